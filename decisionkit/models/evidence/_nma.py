r"""NetworkMetaAnalysis: Bayesian network meta-analysis following NICE DSU TSD 2 (PyMC).

See :mod:`decisionkit.models.evidence._engine` for the model. This module holds the
estimator: reading the data, sampling, and the outputs (relative effects against any
reference, league table, ranks and SUCRA, residual deviance and DIC, LOO).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import (
    Interval,
    caller_name,
    check_in,
    check_probability,
    fail,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.models.evidence import _absolute, _engine, _inconsistency
from decisionkit.models.evidence._data import Network, read_arms, read_contrasts, read_mixed
from decisionkit.models.evidence._sampling import EvidenceModel

__all__ = ["NetworkMetaAnalysis"]


class NetworkMetaAnalysis(EvidenceModel):
    r"""Bayesian network meta-analysis of trial arms or contrasts (NICE DSU TSD 2).

    Arm-level binary data use a binomial likelihood with a logit link (relative effects
    are log odds ratios) or, with ``link="log"``, a log link (log risk ratios); arm-level
    continuous data a normal likelihood with identity link
    (mean differences); contrast-level data (estimate and standard error against each
    study's baseline arm) a multivariate normal likelihood. With ``effects="random"`` the
    study-specific effects vary around the mean effects with between-study sd :math:`\sigma`,
    arms of a multi-arm study correlated by :math:`\sigma^2/2`, sampled non-centred.

    Parameters
    ----------
    effects : {"random", "fixed"}
        Random or fixed (common) effects.
    reference : str, optional
        Reference treatment of the basic parameters :math:`d` (default: the first treatment
        in the table). Results can be reported against any treatment later.
    prior_d_sd, prior_mu_sd : float
        Sd of the normal priors on the relative effects :math:`d` and on each study's
        baseline :math:`\mu_i` (TSD 2: 100, i.e. :math:`\mathcal N(0, 100^2)`).
    prior_heterogeneity : {"uniform", "halfnormal"}
        Prior of the between-study sd: :math:`U(0, s)` (TSD 2) or half-normal with scale
        :math:`s`.
    prior_heterogeneity_scale : float
        The :math:`s` above (TSD 2: 5 on the log-odds scale; choose it on the scale of the
        outcome for continuous data).
    sampler_config : dict, optional
        Keyword arguments of ``pymc.sample`` merged over the shared defaults (4 chains x
        1,000 draws after 1,000 tuning steps, ``target_accept=0.9``), e.g. ``{"draws": 2000,
        "nuts_sampler": "nutpie"}``.
    random_seed : int or numpy.random.Generator, optional
        Same seed, same draws.
    link : {"logit", "log"}, default "logit"
        Link of arm-level binary data: log odds ratios (``"logit"``) or log risk ratios
        (``"log"``; the probability :math:`e^{\theta}` is kept below 1 by capping the linear
        predictor at 0, TSD 2's ``min`` constraint, Warn et al. 2002). Ignored for
        continuous and contrast-level data.

    Attributes
    ----------
    network_ : Network
        The checked data (studies, treatments, arms in model order).
    idata_ : xarray.DataTree
        Posterior (``d``, ``mu``, ``sd``, ``z``, fitted ``eta``), log likelihood, sample stats.
    diagnostics_ : dict
        Shared convergence check (max r_hat, min bulk ESS, divergences).

    Notes
    -----
    Residual deviance, leverage and DIC follow TSD 2: :math:`\bar D_{res}` is the posterior
    mean of the summed residual deviance, the leverage of each data point is its posterior
    mean deviance minus its deviance at the posterior mean of the fitted values *on the
    natural scale* (probabilities for binomial data), :math:`p_D` their sum and
    :math:`DIC = \bar D_{res} + p_D`.

    References
    ----------
    Dias S, Welton NJ, Sutton AJ, Ades AE. NICE DSU TSD 2: a generalised linear modelling
    framework for pairwise and network meta-analysis of randomised controlled trials. 2011.
    Salanti G, Ades AE, Ioannidis JPA. Graphical methods and numerical summaries for
    presenting results from multiple-treatment meta-analysis. J Clin Epidemiol
    2011;64:163-171 (SUCRA).

    Examples
    --------
    >>> nma = NetworkMetaAnalysis(effects="fixed", random_seed=1)          # doctest: +SKIP
    >>> nma.fit(trials, events="events", total="total")                    # doctest: +SKIP
    >>> nma.relative_effects()                                             # doctest: +SKIP
    """

    _name = "NetworkMetaAnalysis"

    @validate_params()
    def __init__(
        self,
        *,
        effects: str = "random",
        reference: str | None = None,
        prior_d_sd: float = 100.0,
        prior_mu_sd: float = 100.0,
        prior_heterogeneity: str = "uniform",
        prior_heterogeneity_scale: float = 5.0,
        sampler_config: dict[str, Any] | None = None,
        random_seed: int | np.random.Generator | None = None,
        link: str = "logit",
    ) -> None:
        self.link = link
        self.effects = effects
        self.reference = reference
        self.prior_d_sd = prior_d_sd
        self.prior_mu_sd = prior_mu_sd
        self.prior_heterogeneity = prior_heterogeneity
        self.prior_heterogeneity_scale = prior_heterogeneity_scale
        super().__init__(sampler_config=sampler_config, random_seed=random_seed)

    # ------------------------------------------------------------------ fitting
    @validate_params()
    def fit(
        self,
        data: pd.DataFrame,
        *,
        study: str = "study",
        treatment: str = "treatment",
        events: str | None = None,
        total: str | None = None,
        mean: str | None = None,
        se: str | None = None,
        sd: str | None = None,
        n: str | None = None,
        contrasts: pd.DataFrame | None = None,
        estimate: str = "estimate",
        contrast_se: str = "se",
    ) -> NetworkMetaAnalysis:
        """Fit arm-level data: one row per study arm (optionally with contrast-level studies).

        Parameters
        ----------
        data : DataFrame
            The trial table.
        study, treatment : str
            Columns naming the study and the treatment of each arm.
        events, total : str, optional
            Binary outcome: events and participants per arm (binomial-logit model).
        mean, se, sd, n : str, optional
            Continuous outcome: the arm mean and either its standard error ``se`` or the
            sd and number of participants (normal-identity model).
        contrasts : DataFrame, optional
            Further studies reported only as contrasts, in the layout of
            :meth:`fit_contrasts` (same ``study`` and ``treatment`` columns, ``estimate`` and
            ``contrast_se``), on the scale of the arm-level model (log odds ratios for the
            logit link, log risk ratios for the log link, mean differences for continuous
            data). Both enter one model (TSD 2's combined likelihood): arm-level studies by
            their binomial or normal likelihood, contrast-level studies by the multivariate
            normal of their contrasts, with shared relative effects and between-study sd. A
            study appears in one table only.
        estimate, contrast_se : str
            Columns of ``contrasts`` holding the contrast and its standard error.

        Returns
        -------
        self
        """
        cols = {
            "study": study,
            "treatment": treatment,
            "events": events,
            "total": total,
            "mean": mean,
            "se": se,
            "sd": sd,
            "n": n,
        }
        if contrasts is not None:
            cols |= {"contrasts": contrasts, "estimate": estimate, "contrast_se": contrast_se}
        return self._fit_network(self._read("arms", data, cols))

    @validate_params()
    def fit_contrasts(
        self,
        data: pd.DataFrame,
        *,
        study: str = "study",
        treatment: str = "treatment",
        estimate: str = "estimate",
        se: str = "se",
    ) -> NetworkMetaAnalysis:
        """Fit contrast-level data: per study, estimates against its baseline arm.

        Each study has one baseline row with an empty (NaN) ``estimate``; its ``se`` is the
        standard error of the baseline arm's mean, needed only for studies with three or
        more arms. Other rows hold the contrast (e.g. log odds ratio, mean difference) of
        that arm against the baseline and its standard error.
        """
        cols = {"study": study, "treatment": treatment, "estimate": estimate, "se": se}
        return self._fit_network(self._read("contrasts", data, cols))

    @validate_params()
    def updated(self, new_data: pd.DataFrame) -> NetworkMetaAnalysis:
        """The same analysis refitted with new studies added (e.g. a proposed trial's data).

        ``new_data`` has the columns of the table the model was fitted on; its study names
        must be new. The fitted model is not changed; a new fitted one is returned. This is
        the posterior update an EVSI calculation of a new trial needs.
        """
        self._require_fitted("updated")
        kind, cols = self._fit_args
        clash = set(map(str, new_data[cols["study"]])) & set(self.network_.studies)
        if clash:
            raise fail(
                "new_data",
                "new studies only",
                sorted(clash),
                hint="Give the new study a name not already in the network.",
            )
        combined = pd.concat([self._data, new_data], ignore_index=True)
        from sklearn.base import clone as sk_clone

        clone = sk_clone(self)
        if kind == "arms":
            return clone.fit(combined, **cols)
        return clone.fit_contrasts(combined, **cols)

    def _read(self, kind: str, data: pd.DataFrame, cols: dict) -> Network:
        """Check the table (arm- or contrast-level) and keep it for :meth:`updated`."""
        if "contrasts" in cols:
            extra = {k: v for k, v in cols.items() if k != "contrasts"}
            net = read_mixed(data, cols["contrasts"], reference=self.reference, **extra)
            cols = cols | {"contrasts": cols["contrasts"].copy()}
        else:
            reader = read_arms if kind == "arms" else read_contrasts
            net = reader(data, reference=self.reference, **cols)
        self._fit_args = (kind, cols)
        self._data = data.copy()
        return net

    def _prepare(self, net: Network, caller: str | None = None) -> Network:
        """Hook for subclasses: check or transform the network before the model is built."""
        caller = caller or caller_name()
        return net

    def _fit_network(self, net: Network) -> NetworkMetaAnalysis:
        net = self._prepare(net)
        check_in(self.effects, _engine.EFFECTS, "effects")
        link = getattr(self, "link", "logit")
        check_in(link, _engine.LINKS, "link")
        if net.kind == "binomial":
            net = dataclasses.replace(net, link=link)
        priors = self._priors()
        priors.check()
        design, names = _engine.consistency_design(net)
        model = _engine.build_model(net, design, names, effects=self.effects, priors=priors)
        self.network_ = net
        self.idata_, self.diagnostics_ = self._sample_checked(
            model,
            var_names=_engine.free_variables(net, self.effects),
            **_engine.sampler_arguments(net),
        )
        return self

    def _priors(self) -> _engine.Priors:
        return _engine.Priors(
            self.prior_d_sd,
            self.prior_mu_sd,
            self.prior_heterogeneity,
            self.prior_heterogeneity_scale,
        )

    # ------------------------------------------------------------------ relative effects
    @validate_params()
    def relative_effect_draws(self, reference: str | None = None) -> xr.DataArray:
        """Posterior draws of every treatment's effect against ``reference``.

        Dims ``(draw, treatment)``, chains stacked; the reference's own column is 0.
        """
        self._require_fitted("relative_effect_draws")
        net = self.network_
        d = np.column_stack([np.zeros(self._n_draws()), _engine.draws_of(self.idata_, "d")])
        if reference is not None:
            ref = self._treatment_index(reference, "reference", "relative_effect_draws")
            d = d - d[:, [ref]]
        return xr.DataArray(
            d,
            dims=("draw", "treatment"),
            coords={"draw": np.arange(d.shape[0]), "treatment": list(net.treatments)},
            name="relative_effect",
        )

    @validate_params()
    def relative_effects(
        self, reference: str | None = None, *, ci_prob: float = 0.95, exponentiate: bool = False
    ) -> pd.DataFrame:
        """Posterior summary of each treatment's effect against ``reference``.

        Columns ``treatment, reference, mean, sd, lower, median, upper`` (equal-tailed
        ``ci_prob`` interval); the scale is that of the model (log odds ratio for binary
        data, mean difference for continuous data, the contrasts' scale otherwise).
        ``exponentiate=True`` summarises the exponentiated draws instead (odds ratios from
        log odds ratios); the mean is then the posterior mean of the ratio itself.
        """
        draws = self.relative_effect_draws(reference)
        ref = reference if reference is not None else self.network_.treatments[0]
        values = np.exp(draws.values) if exponentiate else draws.values
        frame = _summarise(values, ci_prob)
        frame.insert(0, "reference", ref)
        frame.insert(0, "treatment", list(self.network_.treatments))
        return frame[frame["treatment"] != ref].reset_index(drop=True)

    @validate_params({"ci_prob": Interval(0.0, 1.0, closed="neither")})
    def league_table(self, *, ci_prob: float = 0.95, digits: int = 2) -> pd.DataFrame:
        """All pairwise effects (league table).

        Cell (row ``A``, column ``B``) is A versus B as ``"mean (lower, upper)"``; the
        diagonal holds the treatment names.
        """
        self._require_fitted("league_table")
        d = self.relative_effect_draws().values
        names = list(self.network_.treatments)
        lo, hi = (1 - ci_prob) / 2, 1 - (1 - ci_prob) / 2
        table = pd.DataFrame("", index=pd.Index(names, name="treatment"), columns=names)
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                if i == j:
                    table.loc[a, b] = a
                    continue
                diff = d[:, i] - d[:, j]
                q = np.quantile(diff, [lo, hi])
                table.loc[a, b] = f"{diff.mean():.{digits}f} ({q[0]:.{digits}f}, {q[1]:.{digits}f})"
        return table

    @validate_params()
    def heterogeneity(self, *, ci_prob: float = 0.95) -> pd.DataFrame:
        """Posterior summary of the between-study sd (random effects only)."""
        self._require_fitted("heterogeneity")
        if self.effects != "random":
            raise fail(
                "effects",
                "'random'",
                self.effects,
                hint="A fixed-effect model has no between-study sd.",
            )
        frame = _summarise(_engine.draws_of(self.idata_, "sd")[:, None], ci_prob)
        frame.insert(0, "parameter", ["sd"])
        return frame

    # ------------------------------------------------------------------ ranks
    @validate_params()
    def rank_probabilities(self, *, lower_is_better: bool) -> pd.DataFrame:
        """Probability that each treatment takes each rank (1 = best).

        ``lower_is_better`` has no default: whether a larger log odds ratio is good depends
        on the outcome (quitting smoking: ``False``; death: ``True``). Rows are treatments,
        columns ranks ``1..K``; rows sum to 1.
        """
        ranks = self._ranks(lower_is_better)
        k = ranks.shape[1]
        probs = np.stack([(ranks == r).mean(axis=0) for r in range(1, k + 1)], axis=1)
        return pd.DataFrame(
            probs,
            index=pd.Index(self.network_.treatments, name="treatment"),
            columns=pd.Index(range(1, k + 1), name="rank"),
        )

    @validate_params()
    def sucra(self, *, lower_is_better: bool) -> pd.Series:
        r"""Surface under the cumulative ranking curve (SUCRA) per treatment.

        :math:`(K - \bar r)/(K - 1)`: 1 = certainly best, 0 = certainly worst (Salanti et
        al. 2011).
        """
        ranks = self._ranks(lower_is_better)
        k = ranks.shape[1]
        return pd.Series(
            (k - ranks.mean(axis=0)) / (k - 1),
            index=pd.Index(self.network_.treatments, name="treatment"),
            name="sucra",
        )

    def _ranks(self, lower_is_better: Any) -> np.ndarray:
        if not isinstance(lower_is_better, bool):
            raise fail(
                "lower_is_better",
                "True or False",
                lower_is_better,
            )
        d = self.relative_effect_draws().values
        order = d if lower_is_better else -d
        return order.argsort(axis=1).argsort(axis=1) + 1

    # ------------------------------------------------------------------ into the decision
    def reference_arms(self) -> pd.DataFrame:
        """The reference treatment's arms (``group, events, n``).

        Ready for a baseline model such as
        ``dk.models.HierarchicalRates().fit(nma.reference_arms())``.
        """
        self._require_fitted("reference_arms")
        return _absolute.reference_arms(self)

    @validate_params({"random_seed": "random_state"})
    def psa_inputs(
        self,
        baseline: Any,
        *,
        n_draws: int | None = None,
        link: str | None = None,
        predictive: bool = False,
        heterogeneity: bool = False,
        random_seed: int | np.random.Generator | None = None,
    ) -> pd.DataFrame:
        r"""Absolute and relative effects as correlated PSA inputs, one row per draw.

        Each row is one joint posterior draw of the relative effects, combined with one
        draw of the baseline: :math:`g(p_k) = g(p_\text{ref}) + d_k`. Pass the frame to a
        cohort model (``MarkovModel.run``) or add it to other PSA inputs with
        ``pd.concat(axis=1)``; EVPPI of the NMA then uses the ``d[...]`` columns.

        Parameters
        ----------
        baseline : fitted HierarchicalRates, float or array-like
            The reference treatment's outcome in the target population on the natural scale:
            a fitted :class:`~decisionkit.models.HierarchicalRates` (its predictive rate for
            a new study; see :meth:`reference_arms`), a number, or one draw per row.
        n_draws : int, optional
            Rows to return (a random subset of whole posterior draws); default all.
        link : {"logit", "log", "identity"}, optional
            Scale of the relative effects (default logit for binary, identity for
            continuous data; required for contrast-level data).
        predictive : bool, default False
            Random effects only: use the effects in a new study (predictive distribution,
            :math:`\delta_{new} \sim N(d, \sigma^2)`) instead of the mean effects.
        heterogeneity : bool, default False
            Random effects only: add the column ``sd``, the between-study sd of the same
            posterior draw (what a new trial's own effect varies by; see
            :class:`~decisionkit.models.evidence.NetworkTrial`).
        random_seed : int or numpy.random.Generator, optional

        Returns
        -------
        DataFrame
            Columns ``p[<treatment>]`` (``rate[...]`` for a log link, ``mean[...]`` for
            identity) and ``d[<treatment>]`` for every non-reference treatment (and ``sd``
            with ``heterogeneity=True``).
        """
        self._require_fitted("psa_inputs")
        return _absolute.psa_inputs(
            self,
            baseline,
            n_draws=n_draws,
            link=link,
            predictive=predictive,
            heterogeneity=heterogeneity,
            random_seed=random_seed,
        )

    # ------------------------------------------------------------------ model fit
    def deviance_contributions(self) -> pd.DataFrame:
        """Per data point: posterior mean residual deviance, plug-in deviance and leverage."""
        self._require_fitted("deviance_contributions")
        net = self.network_
        draws, plug = _engine.deviance(net, _engine.draws_of(self.idata_, "eta"))
        frame = _deviance_frame(net, draws, plug)
        if net.contrast is not None:
            eta = _engine.draws_of(self.idata_, "eta_contrast")
            extra = _deviance_frame(net.contrast, *_engine.deviance(net.contrast, eta))
            frame = pd.concat([frame, extra], ignore_index=True)
        return frame

    def fit_statistics(self) -> pd.Series:
        """TSD 2 fit: data points, posterior mean residual deviance, pD and DIC."""
        c = self.deviance_contributions()
        resdev, p_d = float(c["resdev"].sum()), float(c["leverage"].sum())
        return pd.Series(
            {"n_data": float(len(c)), "resdev": resdev, "pD": p_d, "DIC": resdev + p_d},
            name=f"{self.effects} effects",
        )

    def loo(self) -> Any:
        """PSIS-LOO (ArviZ) from the stored pointwise log likelihood (one term per arm).

        Random-effects NMAs have one study-specific parameter per arm, so many Pareto k
        values exceed 0.7 and ArviZ warns; compare models with :meth:`fit_statistics`
        (TSD 2's residual deviance and DIC) in that case.
        """
        self._require_fitted("loo")
        self._single_layout("loo", "compare models with fit_statistics() (residual deviance, DIC)")
        import arviz as az

        return az.loo(self.idata_)

    # ------------------------------------------------------------------ inconsistency
    @validate_params()
    def unrelated_mean_effects(self, *, ci_prob: float = 0.95) -> Any:
        """Fit the unrelated mean effects model (TSD 4) and compare it with this fit.

        Returns an :class:`InconsistencyResult` (per-comparison estimates, residual
        deviance and DIC of both models, per-data-point deviances).
        """
        self._require_fitted("unrelated_mean_effects")
        self._single_layout("unrelated_mean_effects", "fit the two layouts separately")
        return _inconsistency.unrelated_mean_effects(self, ci_prob=ci_prob)

    @validate_params()
    def node_split(self, comparisons: Any = None, *, ci_prob: float = 0.95) -> Any:
        """Direct versus indirect evidence for each comparison in a loop (Dias et al. 2010).

        ``comparisons``: pairs of treatment names; default every comparison that has both
        direct and indirect evidence. One model is fitted per comparison.
        """
        self._require_fitted("node_split")
        self._single_layout("node_split", "fit the two layouts separately")
        return _inconsistency.node_split(self, comparisons, ci_prob=ci_prob)

    # ------------------------------------------------------------------ reporting
    @property
    def summary(self) -> pd.DataFrame:
        """Relative effects against the reference, with the between-study sd if random."""
        frame = self.relative_effects()
        frame.insert(0, "parameter", "d[" + frame["treatment"] + "]")
        frame = frame.drop(columns=["treatment", "reference"])
        if self.effects == "random":
            frame = pd.concat([frame, self.heterogeneity()], ignore_index=True)
        return frame

    def to_frame(self) -> pd.DataFrame:
        """Tidy posterior draws of the relative effects against the reference."""
        da = self.relative_effect_draws()
        return da.to_dataframe().reset_index()

    def print_summary(self) -> None:
        """Print the relative effects and the model fit."""
        print(repr(self))

    def __repr__(self) -> str:
        if getattr(self, "idata_", None) is None:
            return f"{self._name}(effects={self.effects!r}) (not fitted)"
        net = self.network_
        stats = self.fit_statistics()
        head = (
            f"{self._name}: {self.effects} effects, {net.kind} data"
            + (f" + {net.contrast.n_studies} contrast-level" if net.contrast is not None else "")
            + f", {net.n_studies} studies, {net.n_treatments} treatments (reference "
            f"'{net.treatments[0]}')"
        )
        fit = (
            f"residual deviance {stats['resdev']:.1f} for {int(stats['n_data'])} data "
            f"points, pD {stats['pD']:.1f}, DIC {stats['DIC']:.1f}"
        )
        return "\n".join([head, self.summary.round(3).to_string(index=False), fit])

    # ------------------------------------------------------------------ helpers
    def _single_layout(self, method: str, instead: str) -> None:
        if self.network_.contrast is not None:
            raise ValidationError(
                f"{self._name}.{method} is not available for a network that mixes arm-level "
                f"and contrast-level studies; {instead}."
            )

    def _n_draws(self) -> int:
        post = self.idata_["posterior"]
        return int(post.sizes["chain"] * post.sizes["draw"])

    def _treatment_index(self, name: Any, param: str, method: str) -> int:
        names = list(self.network_.treatments)
        if str(name) not in names:
            raise fail(param, f"one of the treatments {names}", name)
        return names.index(str(name))


def _deviance_frame(net: Network, draws: np.ndarray, plug: np.ndarray) -> pd.DataFrame:
    idx = net.rel if net.kind == "contrast" else np.arange(net.arm_study.size)
    mean = draws.mean(axis=0)
    return pd.DataFrame(
        {
            "study": np.asarray(net.studies, dtype=object)[net.arm_study[idx]],
            "treatment": np.asarray(net.treatments, dtype=object)[net.arm_trt[idx]],
            "resdev": mean,
            "deviance_at_mean": plug,
            "leverage": mean - plug,
        }
    )


def _summarise(values: np.ndarray, ci_prob: float) -> pd.DataFrame:
    check_probability(ci_prob, "ci_prob")
    lo, hi = (1 - ci_prob) / 2, 1 - (1 - ci_prob) / 2
    q = np.quantile(values, [lo, 0.5, hi], axis=0)
    return pd.DataFrame(
        {
            "mean": values.mean(axis=0),
            "sd": values.std(axis=0, ddof=1),
            "lower": q[0],
            "median": q[1],
            "upper": q[2],
        }
    )
