"""HierarchicalRates: partial pooling of binomial event rates across groups (PyMC)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy.special import expit

from decisionkit._validation import (
    Interval,
    caller_name,
    check_names,
    check_number,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.models.bayes._base import BayesianModel
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["HierarchicalRates"]

_GROUP = "group"


class HierarchicalRates(BayesianModel):
    r"""Binomial event rates across groups with partial pooling on the logit scale.

    For group :math:`j` with :math:`y_j` events out of :math:`n_j` trials (non-centred
    parametrisation, which samples well when groups are similar):

    .. math::

        \mu &\sim \mathcal N(0, \sigma_\mu^2), \qquad
        \tau \sim \mathcal N^+(0, \sigma_\tau^2), \qquad
        z_j \sim \mathcal N(0, 1), \\
        \theta_j &= \operatorname{logit}^{-1}(\mu + \tau z_j), \qquad
        y_j \sim \operatorname{Binomial}(n_j, \theta_j).

    :math:`\tau` is the between-group sd of the log-odds: small :math:`\tau` pools the
    groups towards the common rate :math:`\operatorname{logit}^{-1}(\mu)`, large :math:`\tau`
    leaves each near its raw rate :math:`y_j / n_j`. Small groups are pulled in the most
    (shrinkage), which :meth:`summary` reports.

    Parameters
    ----------
    prior_mu_sd : float
        Prior sd of the population log-odds :math:`\mu` (1.5 spreads the prior rate over
        roughly 5% to 95%).
    prior_tau_sd : float
        Prior scale of the half-normal between-group sd :math:`\tau` (log-odds scale). A
        tiny value (e.g. 1e-3) forces complete pooling.
    draws, tune, chains, cores : int
        Sampler settings (draws per chain after ``tune`` warm-up steps).
    target_accept : float
        NUTS target acceptance rate (raise towards 0.99 if divergences are reported).
    random_seed : int or numpy.random.Generator, optional
        Same seed, same draws.
    progressbar : bool or None
        Show sampling progress; ``None`` shows it when running in a terminal.

    Attributes
    ----------
    idata_ : xarray.DataTree
        Posterior (``mu``, ``tau``, ``z``, ``theta``), posterior predictive (``events``),
        observed data and sample stats.
    groups_ : list of str
        Group labels in fitted order.
    events_, n_ : numpy.ndarray
        Observed events and trials per group.
    diagnostics_ : dict
        Convergence diagnostics (max r_hat, min bulk ESS, divergences).

    References
    ----------
    Gelman A, Carlin JB, Stern HS, Dunson DB, Vehtari A, Rubin DB. Bayesian Data Analysis,
    3rd ed. CRC Press, 2013, chapter 5 (hierarchical models).
    Efron B, Morris C. Data analysis using Stein's estimator and its generalizations.
    JASA 1975;70:311-319.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"group": ["A", "B", "C"], "events": [3, 10, 4], "n": [60, 150, 45]})
    >>> model = HierarchicalRates(random_seed=1).fit(df)          # doctest: +SKIP
    >>> model.summary()                                           # doctest: +SKIP
    """

    _convergence_vars = ("mu", "tau", "z")

    @validate_params()
    def __init__(
        self,
        *,
        prior_mu_sd: float = 1.5,
        prior_tau_sd: float = 1.0,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 2,
        cores: int = 1,
        target_accept: float = 0.9,
        random_seed: int | np.random.Generator | None = None,
        progressbar: bool | None = None,
        sampler_config: dict[str, Any] | None = None,
    ) -> None:
        self.sampler_config = sampler_config
        self.prior_mu_sd = prior_mu_sd
        self.prior_tau_sd = prior_tau_sd
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.cores = cores
        self.target_accept = target_accept
        self.random_seed = random_seed
        self.progressbar = progressbar
        self.idata_: Any = None

    # ------------------------------------------------------------------ fitting
    @validate_params()
    def fit(
        self,
        data: pd.DataFrame | None = None,
        *,
        events: Any = "events",
        n: Any = "n",
        groups: Any = "group",
    ) -> HierarchicalRates:
        """Sample the posterior and posterior predictive.

        Parameters
        ----------
        data : DataFrame, optional
            One row per group. When given, ``events``, ``n`` and ``groups`` are column names
            (defaults ``"events"``, ``"n"``, ``"group"``).
        events, n : str or array-like
            Events (non-negative integers) and trials (positive integers, ``>= events``) per
            group: column names of ``data``, or arrays when ``data`` is None.
        groups : str or array-like, optional
            Unique group labels (column name, or array); default ``group_0``, ``group_1``, ...

        Returns
        -------
        self
        """
        import pymc as pm

        self._check_settings()
        y, trials, labels = _read_input(data, events, n, groups)
        with pm.Model(coords={_GROUP: labels}) as model:
            mu = pm.Normal("mu", 0.0, self.prior_mu_sd)
            tau = pm.HalfNormal("tau", self.prior_tau_sd)
            z = pm.Normal("z", 0.0, 1.0, dims=_GROUP)
            theta = pm.Deterministic("theta", pm.math.invlogit(mu + tau * z), dims=_GROUP)
            pm.Binomial("events", n=trials, p=theta, observed=y, dims=_GROUP)
        idata = self._sample(model)
        with model:
            pm.sample_posterior_predictive(
                idata,
                extend_inferencedata=True,
                random_seed=self._ppc_seed,
                progressbar=False,
            )
        self.groups_ = labels
        self.events_ = y
        self.n_ = trials
        self.idata_ = idata
        return self

    def _check_settings(self, caller: str | None = None) -> None:
        caller = caller or caller_name()
        check_number(self.prior_mu_sd, "prior_mu_sd", caller, low=0.0, low_inclusive=False)
        check_number(self.prior_tau_sd, "prior_tau_sd", caller, low=0.0, low_inclusive=False)
        self._sampler_kwargs()  # sampler settings checked before any work

    # ------------------------------------------------------------------ results
    def group_rates(self) -> xr.DataArray:
        """Posterior draws of each group's event rate, dims ``(draw, group)``.

        Chains are stacked into ``draw`` (chain 0's draws first).
        """
        self._require_fitted("group_rates")
        return _stack(self.idata_["posterior"]["theta"]).rename("event_rate")

    def pooled_rate(self) -> xr.DataArray:
        r"""Posterior draws of the population rate :math:`\operatorname{logit}^{-1}(\mu)`."""
        self._require_fitted("pooled_rate")
        mu = _stack(self.idata_["posterior"]["mu"])
        return xr.apply_ufunc(expit, mu).rename("pooled_rate")

    @validate_params({"random_seed": "random_state"})
    def predictive_events(
        self, n_new: Any, *, random_seed: int | np.random.Generator | None = None
    ) -> xr.DataArray:
        r"""Posterior-predictive event counts for ``n_new`` future trials per group.

        Draws :math:`\tilde y_j \sim \operatorname{Binomial}(\tilde n_j, \theta_j)` for each
        posterior draw of :math:`\theta_j` (vectorised in numpy).

        Parameters
        ----------
        n_new : int or array-like
            Future trials: one number for all groups, or one per group (in ``groups_`` order).
        random_seed : int or Generator, optional
            Seed of the binomial draws.

        Returns
        -------
        xarray.DataArray
            Dims ``(draw, group)``, integer counts.
        """
        self._require_fitted("predictive_events")
        rng = check_random_state(random_seed)
        arr = np.asarray(n_new)
        if arr.ndim == 0:
            arr = np.full(len(self.groups_), arr)
        if arr.shape != (len(self.groups_),):
            raise fail("n_new", f"a number or {len(self.groups_)} numbers", n_new)
        if arr.dtype.kind not in "iuf" or np.any(~np.isfinite(arr.astype(float))):
            raise fail("n_new", "non-negative whole numbers", n_new)
        if np.any(arr < 0) or np.any(arr != np.round(arr)):
            raise fail("n_new", "non-negative whole numbers", n_new)
        rates = self.group_rates()
        counts = rng.binomial(arr.astype(np.int64)[None, :], rates.values)
        return rates.copy(data=counts).rename("events")

    @validate_params({"prob": Interval(0.0, 1.0, closed="neither")})
    def summary(self, *, prob: float = 0.95) -> pd.DataFrame:
        """Per-group raw rate, posterior mean and central interval, and the shrinkage.

        ``shrinkage = posterior mean - raw rate``: negative for groups pulled down towards
        the common rate, positive for groups pulled up; largest for small groups.

        Parameters
        ----------
        prob : float
            Probability of the equal-tailed interval (columns ``lower``, ``upper``).

        Returns
        -------
        DataFrame
            One row per group: ``group, events, n, raw_rate, mean, sd, lower, upper,
            shrinkage, r_hat, ess_bulk``.
        """
        import arviz as az

        self._require_fitted("summary")
        prob = float(prob)
        rates = self.group_rates()
        lo, hi = np.quantile(rates.values, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        raw = self.events_ / self.n_
        mean = rates.values.mean(axis=0)
        post = self.idata_["posterior"].to_dataset()[["theta"]]
        rhat = az.rhat(post)["theta"].values if post.sizes["chain"] > 1 else np.nan
        ess = az.ess(post, method="bulk")["theta"].values
        return pd.DataFrame(
            {
                "group": self.groups_,
                "events": self.events_,
                "n": self.n_,
                "raw_rate": raw,
                "mean": mean,
                "sd": rates.values.std(axis=0, ddof=1),
                "lower": lo,
                "upper": hi,
                "shrinkage": mean - raw,
                "r_hat": rhat,
                "ess_bulk": ess,
            }
        )

    @validate_params()
    def to_frame(self, *, prob: float = 0.95) -> pd.DataFrame:
        """The :meth:`summary` table (tidy, one row per group)."""
        return self.summary(prob=prob)

    @validate_params()
    def to_outcomes(
        self, *, metric: str = "event_rate", predictive_n: int | None = None
    ) -> OutcomeDistribution:
        """Group rates as an OutcomeDistribution with one action per group.

        Parameters
        ----------
        metric : {"event_rate", "survival"}
            ``"event_rate"`` gives the rate draws; ``"survival"`` gives ``1 - rate`` (higher is
            better, e.g. surviving a procedure). Pass it to :func:`decisionkit.decide` with
            ``dk.utility.linear({"survival": 1})`` (or ``{"event_rate": -1}``) to choose the
            group with the best outcome, with P(best) and expected loss.
        predictive_n : int, optional
            If given, the metric is the *predictive* proportion of events out of this many
            future trials (includes binomial noise); default the rate itself.

        Returns
        -------
        OutcomeDistribution
            Dims ``(draw, action)``; actions are the group labels.
        """
        self._require_fitted("to_outcomes")
        if metric not in ("event_rate", "survival"):
            raise fail("metric", "'event_rate' or 'survival'", metric)
        if predictive_n is None:
            rate = self.group_rates().values
        else:
            k = check_number(predictive_n, "predictive_n", low=1, integer=True)
            rate = self.predictive_events(k, random_seed=self.random_seed).values / k
        values = rate if metric == "event_rate" else 1.0 - rate
        return OutcomeDistribution.from_arrays({metric: values}, actions=self.groups_)

    def __repr__(self) -> str:
        state = "unfitted" if self.idata_ is None else f"fitted on {len(self.groups_)} groups"
        return (
            f"HierarchicalRates(prior_mu_sd={self.prior_mu_sd}, "
            f"prior_tau_sd={self.prior_tau_sd}, draws={self.draws}, chains={self.chains}) "
            f"[{state}]"
        )


def _stack(da: xr.DataArray) -> xr.DataArray:
    """Stack (chain, draw) into a single 0..S-1 ``draw`` dim."""
    out = da.stack(_s=("chain", "draw")).transpose("_s", ...)
    out = out.drop_vars(["_s", "chain", "draw"], errors="ignore").rename({"_s": "draw"})
    return out.assign_coords(draw=np.arange(out.sizes["draw"]))


def _read_input(
    data: Any, events: Any, n: Any, groups: Any
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Pull events, n and group labels out of a DataFrame or arrays, and check them."""
    if data is not None:
        if not isinstance(data, pd.DataFrame):
            raise fail("data", "a pandas DataFrame or None", type(data).__name__)
        cols = {"events": events, "n": n, "groups": groups}
        for param, col in cols.items():
            if not isinstance(col, str):
                raise fail(param, "a column name when data is given", col)
        missing = [c for c in cols.values() if c not in data.columns]
        if missing:
            raise ValidationError(
                f"{caller_name()}: column(s) {missing} not found; the data has columns "
                f"{list(data.columns)}. Pass events=, n= and groups= with the right names."
            )
        y_raw, n_raw, g_raw = data[events], data[n], data[groups]
        names = {"events": f"column '{events}'", "n": f"column '{n}'"}
    else:
        if isinstance(events, str) or isinstance(n, str):
            raise ValidationError(
                f"{caller_name()} got column names but no data. Pass a DataFrame, or arrays for "
                "events= and n=."
            )
        y_raw, n_raw = events, n
        g_raw = None if isinstance(groups, str) else groups
        names = {"events": "events", "n": "n"}
    y = _whole_numbers(y_raw, names["events"])
    trials = _whole_numbers(n_raw, names["n"])
    if y.shape != trials.shape:
        raise ValidationError(
            f"{caller_name()}: events has {y.size} values but n has {trials.size}. Give one of "
            "each per group."
        )
    if y.size < 2:
        raise ValidationError(
            f"{caller_name()} needs at least 2 groups to pool; got {y.size}. For one group use a "
            "conjugate Beta-Binomial model."
        )
    if np.any(trials < 1):
        row = int(np.argmax(trials < 1))
        raise ValidationError(
            f"{caller_name()}: {names['n']} must be at least 1 in every group; row {row} has "
            f"{trials[row]}. Drop groups with no trials."
        )
    if np.any(y > trials):
        row = int(np.argmax(y > trials))
        raise ValidationError(
            f"{caller_name()}: events exceed trials in row {row} ({y[row]} > {trials[row]}). "
            "Check that the events and n columns are not swapped."
        )
    if g_raw is None:
        labels = [f"group_{i}" for i in range(y.size)]
    else:
        labels = check_names(list(g_raw), "groups")
        if len(labels) != y.size:
            raise ValidationError(
                f"{caller_name()}: {len(labels)} group labels for {y.size} groups. Give one "
                "per group."
            )
    return y, trials, labels


def _whole_numbers(values: Any, what: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise fail(what, "one-dimensional", f"shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise ValidationError(
            f"{caller_name()}: {what} must hold numbers; got dtype {arr.dtype}. Convert it with "
            "pd.to_numeric()."
        )
    f = arr.astype(float)
    if np.any(np.isnan(f)):
        raise ValidationError(
            f"{caller_name()}: {what} holds NaN in row(s) "
            f"{np.flatnonzero(np.isnan(f))[:5].tolist()}."
            " Drop or fill those groups before fitting."
        )
    bad = ~np.isfinite(f) | (f < 0) | (f != np.round(f))
    if np.any(bad):
        row = int(np.argmax(bad))
        raise ValidationError(
            f"{caller_name()}: {what} must hold non-negative whole numbers (counts); row {row} is "
            f"{arr[row]!r}."
        )
    return f.astype(np.int64)
