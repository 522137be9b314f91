r"""PairwiseMetaAnalysis: Bayesian fixed- or random-effects meta-analysis of two treatments.

A pairwise meta-analysis is the two-treatment case of the TSD 2 model, so this class is a
:class:`NetworkMetaAnalysis` restricted to two treatments, with the outputs a pairwise
analysis reports: the pooled effect (also on the ratio scale), the between-study sd
:math:`\tau`, the prediction interval for a new study and the per-study estimates of a
forest plot.

Measures: ``"OR"`` (arm-level events, binomial likelihood with logit link: exact),
``"RR"`` (per-study log risk ratios with their large-sample standard errors
:math:`\sqrt{1/a - 1/n_1 + 1/c - 1/n_0}`, 0.5 added to every cell of a study with a zero
cell; normal likelihood), ``"MD"`` (arm means with standard errors, normal likelihood), and
any measure given as contrast-level estimates with standard errors (:meth:`fit_contrasts`).

References
----------
Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of random-effects
meta-analysis. J R Stat Soc A 2009;172:137-159 (prediction interval).
Dias S, Welton NJ, Sutton AJ, Ades AE. NICE DSU TSD 2. 2011.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, check_in, check_random_state, fail, validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.models.evidence import _engine
from decisionkit.models.evidence._data import Network, read_contrasts
from decisionkit.models.evidence._nma import NetworkMetaAnalysis, _summarise

__all__ = ["PairwiseMetaAnalysis"]

MEASURES = ("OR", "RR", "MD", "contrast")
_RATIO = ("OR", "RR")


class PairwiseMetaAnalysis(NetworkMetaAnalysis):
    r"""Bayesian pairwise meta-analysis (fixed or random effects).

    Parameters
    ----------
    measure : {"OR", "RR", "MD"}
        Effect measure for arm-level data (ignored by :meth:`fit_contrasts`, which meta-
        analyses whatever scale the estimates are on).
    effects, reference, prior_d_sd, prior_mu_sd, prior_heterogeneity,
    prior_heterogeneity_scale, sampler_config, random_seed
        As :class:`NetworkMetaAnalysis`; ``reference`` is the control treatment (default:
        the first one in the table).

    Examples
    --------
    >>> ma = PairwiseMetaAnalysis(measure="OR", random_seed=1)           # doctest: +SKIP
    >>> ma.fit(trials, events="events", total="total").pooled()           # doctest: +SKIP
    """

    _name = "PairwiseMetaAnalysis"

    @validate_params()
    def __init__(
        self,
        *,
        measure: str = "OR",
        effects: str = "random",
        reference: str | None = None,
        prior_d_sd: float = 100.0,
        prior_mu_sd: float = 100.0,
        prior_heterogeneity: str = "uniform",
        prior_heterogeneity_scale: float = 5.0,
        sampler_config: dict[str, Any] | None = None,
        random_seed: int | np.random.Generator | None = None,
    ) -> None:
        self.measure = measure
        super().__init__(
            effects=effects,
            reference=reference,
            prior_d_sd=prior_d_sd,
            prior_mu_sd=prior_mu_sd,
            prior_heterogeneity=prior_heterogeneity,
            prior_heterogeneity_scale=prior_heterogeneity_scale,
            sampler_config=sampler_config,
            random_seed=random_seed,
        )

    def _prepare(self, net: Network, caller: str | None = None) -> Network:
        """Two treatments only; measure and data must match; RR becomes per-study log RR."""
        caller = caller or caller_name()
        if net.contrast is not None:
            raise ValidationError(
                f"{caller}: a pairwise meta-analysis reads one layout; for arm-level and "
                "contrast-level studies together use NetworkMetaAnalysis.fit(..., contrasts=)."
            )
        _two_treatments(net)
        if net.kind == "contrast":
            return net
        check_in(self.measure, MEASURES[:3], "measure", caller)
        if (net.kind == "binomial") != (self.measure in _RATIO):
            raise ValidationError(
                f"{caller}: measure={self.measure!r} needs "
                + (
                    "events= and total= columns."
                    if self.measure in _RATIO
                    else "mean= with se= (or sd= and n=) columns."
                )
            )
        if self.measure == "RR":
            return read_contrasts(
                _log_rr_table(net),
                study="study",
                treatment="treatment",
                estimate="estimate",
                se="se",
                reference=net.treatments[0],
            )
        return net

    @validate_params()
    def fit_contrasts(
        self,
        data: pd.DataFrame,
        *,
        study: str = "study",
        estimate: str = "estimate",
        se: str = "se",
        treatment: str | None = None,
    ) -> PairwiseMetaAnalysis:
        """Fit one estimate (treatment versus control) and its standard error per study.

        With ``treatment=None`` the table has one row per study; otherwise it is in the
        contrast layout of :meth:`NetworkMetaAnalysis.fit_contrasts`.
        """
        if treatment is None:
            if not isinstance(data, pd.DataFrame):
                raise fail("data", "a pandas DataFrame", type(data))
            for col in (study, estimate, se):
                if col not in data.columns:
                    raise ValidationError(
                        f"{caller_name()}: the table has no column {col!r} (columns: "
                        f"{[str(c) for c in data.columns]}). Rename it or pass its name."
                    )
            base = pd.DataFrame(
                {
                    "study": data[study].to_numpy(),
                    "treatment": "control",
                    "estimate": np.nan,
                    "se": np.nan,
                }
            )
            arm = pd.DataFrame(
                {
                    "study": data[study].to_numpy(),
                    "treatment": "treatment",
                    "estimate": data[estimate].to_numpy(),
                    "se": data[se].to_numpy(),
                }
            )
            table = pd.concat([base, arm]).sort_values("study", kind="stable")
            args = {"study": "study", "treatment": "treatment", "estimate": "estimate", "se": "se"}
        else:
            table, args = (
                data,
                {"study": study, "treatment": treatment, "estimate": estimate, "se": se},
            )
        return self._fit_network(self._read("contrasts", table, args))

    # ------------------------------------------------------------------ results
    @validate_params()
    def pooled(self, *, ci_prob: float = 0.95) -> pd.DataFrame:
        """Pooled effect, with the prediction interval for a new study (random effects).

        For OR and RR the ratio itself is reported too.
        """
        self._require_fitted("pooled")
        d = _engine.draws_of(self.idata_, "d")[:, 0]
        ratio_scale = self.measure in _RATIO and self._fit_args[0] == "arms"
        rows = {"log " + self.measure if ratio_scale else "effect": d}
        if self.effects == "random":
            rows["new study (prediction)"] = self._predictive(d)
        frame = _summarise(np.column_stack(list(rows.values())), ci_prob)
        frame.insert(0, "parameter", list(rows))
        if ratio_scale:
            ratio = _summarise(np.exp(np.column_stack(list(rows.values()))), ci_prob)
            ratio.insert(
                0,
                "parameter",
                [
                    r.replace("log ", "") if r.startswith("log") else f"{self.measure}, new study"
                    for r in rows
                ],
            )
            frame = pd.concat([frame, ratio], ignore_index=True)
        return frame

    @validate_params()
    def prediction_interval(self, *, ci_prob: float = 0.95) -> tuple[float, float]:
        """Interval for the effect in a new study (random effects), on the model's scale."""
        self._require_fitted("prediction_interval")
        if self.effects != "random":
            raise fail(
                "effects",
                "'random'",
                self.effects,
                hint="Under fixed effects a new study has the pooled effect.",
            )
        draws = self._predictive(_engine.draws_of(self.idata_, "d")[:, 0])
        q = _summarise(draws[:, None], ci_prob)
        return float(q["lower"][0]), float(q["upper"][0])

    def study_estimates(self) -> pd.DataFrame:
        """Each study's own estimate and standard error (for the forest plot).

        Binary data: log odds ratio (or log risk ratio) with 0.5 added to each cell of a
        study with a zero cell; continuous: difference of means. Columns ``study,
        estimate, se``.
        """
        self._require_fitted("study_estimates")
        net = self.network_
        if net.kind == "contrast":
            rel = net.rel
            return pd.DataFrame(
                {
                    "study": np.asarray(net.studies)[net.arm_study[rel]],
                    "estimate": net.y[rel],
                    "se": net.se[rel],
                }
            )
        base, arm = net.arm_base, ~net.arm_base
        if net.kind == "normal":
            est = net.y[arm] - net.y[base]
            se = np.sqrt(net.se[arm] ** 2 + net.se[base] ** 2)
        else:
            table = _log_rr_table(net, odds=True)
            rel = table["estimate"].notna().to_numpy()
            est, se = table["estimate"].to_numpy()[rel], table["se"].to_numpy()[rel]
        return pd.DataFrame({"study": list(net.studies), "estimate": est, "se": se})

    def _predictive(self, d: np.ndarray) -> np.ndarray:
        sd = _engine.draws_of(self.idata_, "sd")
        rng = check_random_state(_seed_of(self.random_seed))
        return d + sd * rng.standard_normal(d.size)


def _seed_of(random_seed: Any) -> Any:
    # the prediction draws are reproducible for an int seed, and independent of a Generator's
    # later use (it is not advanced here)
    return random_seed if not isinstance(random_seed, np.random.Generator) else 0


def _two_treatments(net) -> None:
    if net.n_treatments != 2:
        raise ValidationError(
            f"{caller_name()}: a pairwise meta-analysis compares two treatments; the table has "
            f"{net.n_treatments}: {list(net.treatments)}. Use NetworkMetaAnalysis for more."
        )


def _log_rr_table(net, *, odds: bool = False) -> pd.DataFrame:
    """Per-study log risk ratio (or log odds ratio) and its standard error, contrast layout."""
    rows = []
    for s, name in enumerate(net.studies):
        arms = np.flatnonzero(net.arm_study == s)
        r, n = net.y[arms], net.n[arms]
        if np.any(r == 0) or np.any(r == n):
            r, n = r + 0.5, n + 1.0
        if odds:
            est = np.log(r[1] / (n[1] - r[1])) - np.log(r[0] / (n[0] - r[0]))
            se = np.sqrt(np.sum(1 / r + 1 / (n - r)))
        else:
            est = np.log(r[1] / n[1]) - np.log(r[0] / n[0])
            se = np.sqrt(np.sum(1 / r - 1 / n))
        rows.append((name, net.treatments[net.arm_trt[arms[0]]], np.nan, np.nan))
        rows.append((name, net.treatments[net.arm_trt[arms[1]]], est, se))
    return pd.DataFrame(rows, columns=["study", "treatment", "estimate", "se"])
