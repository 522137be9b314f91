"""decision_curve(): net benefit across risk thresholds, with posterior or bootstrap intervals."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    Interval,
    caller_name,
    check_probability,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.decision._kernel import prob_best_array
from decisionkit.exceptions import ValidationError
from decisionkit.threshold import _engine as engine
from decisionkit.threshold._inputs import (
    TREAT_ALL,
    TREAT_NONE,
    check_event_codes,
    check_harm,
    check_outcome,
    check_risks,
    check_survival,
    check_thresholds,
)

__all__ = ["DecisionCurve", "decision_curve"]

_COLUMNS = [
    "model",
    "threshold",
    "net_benefit",
    "net_benefit_lower",
    "net_benefit_upper",
    "tp_rate",
    "fp_rate",
    "pos_rate",
    "n_positive",
    "net_interventions_avoided",
    "net_interventions_avoided_lower",
    "net_interventions_avoided_upper",
    "standardized_net_benefit",
    "prob_best",
    "harm",
]


@dataclass(frozen=True, repr=False, eq=False)
class DecisionCurve:
    """Net benefit of each model and of treat-all / treat-none across thresholds (immutable).

    Built by :func:`decision_curve`. ``to_frame()`` holds one row per (model, threshold).

    Attributes
    ----------
    models : tuple of str
        The risk columns evaluated (the defaults "Treat all" and "Treat none" come on top).
    thresholds : ndarray
        The threshold grid (sorted).
    prevalence : float
        Outcome prevalence used (observed, given for case-control data, or the Kaplan-Meier
        risk or Aalen-Johansen cumulative incidence by the horizon for survival outcomes).
    n : int
        Number of patients.
    uncertainty : str
        ``"none"``, ``"posterior"`` (risk draws), ``"bootstrap"`` or ``"posterior+bootstrap"``.
    n_replicates : int
        Posterior draws or bootstrap resamples behind the intervals (1 when none).
    prob : float
        Probability of the central intervals.
    nia_per : float
        Net interventions avoided are per this many patients.
    horizon : float or None
        Time horizon of a survival decision curve.
    competing : tuple
        Codes of the competing events (empty unless the curve uses Aalen-Johansen cumulative
        incidence).
    event_of_interest : object
        Code of the event of interest of a competing-risks curve (None otherwise).
    """

    table: pd.DataFrame
    models: tuple[str, ...]
    thresholds: np.ndarray
    prevalence: float
    n: int
    uncertainty: str
    n_replicates: int
    prob: float
    nia_per: float
    horizon: float | None = None
    competing: tuple[Any, ...] = ()
    event_of_interest: Any = None

    @property
    def strategies(self) -> list[str]:
        """All strategies: the models, then "Treat all" and "Treat none"."""
        return [*self.models, TREAT_ALL, TREAT_NONE]

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table (a copy): one row per strategy and threshold.

        Columns: model, threshold, net_benefit, net_benefit_lower/upper (NaN without
        uncertainty), tp_rate and fp_rate (true/false positives per patient), pos_rate and
        n_positive (test positives), net_interventions_avoided (+ lower/upper, per
        ``nia_per`` patients, NaN at threshold 0), standardized_net_benefit (net benefit /
        prevalence), prob_best (probability of the highest net benefit among all strategies,
        NaN without uncertainty) and harm.
        """
        return self.table.copy()

    def _curve(self, model: str) -> pd.DataFrame:
        if model not in self.strategies:
            raise fail("model", f"one of {self.strategies}", model)
        return self.table[self.table["model"] == model]

    @validate_params()
    def useful_range(self, model: str) -> tuple[float, float]:
        """Lowest and highest threshold at which ``model`` beats both treat-all and treat-none.

        Uses the point net benefit. Returns ``(nan, nan)`` when the model never beats both.
        The set of such thresholds may have gaps: :meth:`useful_intervals` lists the
        contiguous runs.
        """
        runs = self.useful_intervals(model)
        if not runs:
            return (float("nan"), float("nan"))
        return (runs[0][0], runs[-1][1])

    @validate_params()
    def useful_intervals(self, model: str) -> list[tuple[float, float]]:
        """Contiguous runs of grid thresholds where ``model`` beats both defaults."""
        nb = self._curve(model)["net_benefit"].to_numpy()
        best_default = np.maximum(
            self._curve(TREAT_ALL)["net_benefit"].to_numpy(),
            self._curve(TREAT_NONE)["net_benefit"].to_numpy(),
        )
        beats = np.concatenate([[False], nb > best_default + 1e-12, [False]])
        edges = np.flatnonzero(np.diff(beats.astype(int)))
        starts, stops = edges[::2], edges[1::2] - 1
        return [
            (float(self.thresholds[a]), float(self.thresholds[b]))
            for a, b in zip(starts, stops, strict=True)
        ]

    @validate_params({"threshold": Interval(0, 1)})
    def at(self, threshold: float) -> pd.DataFrame:
        """Rows of :meth:`to_frame` at one threshold of the grid (one row per strategy)."""
        t = float(threshold)
        j = int(np.argmin(np.abs(self.thresholds - t)))
        if abs(self.thresholds[j] - t) > 1e-9:
            raise ValidationError(
                f"The threshold {t:g} is not on the grid of this decision curve; the nearest "
                f"is {self.thresholds[j]:g}. Pass a grid value or recompute with "
                "thresholds= including it."
            )
        rows = self.table[np.isclose(self.table["threshold"], self.thresholds[j], atol=1e-12)]
        return rows.reset_index(drop=True)

    def summary(self) -> str:
        """A short readable report: cohort, uncertainty and each model's useful range."""
        lines = [
            f"Decision curve: {self.n} patients, prevalence {self.prevalence:.4g}, "
            f"{self.thresholds.size} thresholds from {self.thresholds[0]:g} to "
            f"{self.thresholds[-1]:g}"
            + (f", horizon {self.horizon:g}" if self.horizon is not None else ""),
        ]
        if self.competing:
            lines.append(
                f"Competing risks: cumulative incidence (Aalen-Johansen) of event "
                f"{self.event_of_interest!r}; competing events {list(self.competing)!r}"
            )
        if self.uncertainty == "none":
            lines.append("Uncertainty: none (point risks; pass risk draws or n_bootstrap)")
        else:
            lines.append(
                f"Uncertainty: {self.uncertainty}, {self.n_replicates} replicates, "
                f"{self.prob:.0%} intervals"
            )
        for m in self.models:
            runs = self.useful_intervals(m)
            where = ", ".join(f"{a:g} to {b:g}" for a, b in runs[:4])
            where += " ..." if len(runs) > 4 else ""
            lines.append(
                f"  {m}: "
                + (f"beats both defaults at {where}" if runs else "never beats both defaults")
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<DecisionCurve>\n" + self.summary()


@validate_params(
    {
        "n_bootstrap": Interval(0, None, integer=True),
        "prob": Interval(0.0, 1.0, closed="neither"),
        "nia_per": Interval(0, None, closed="right"),
        "random_seed": "random_state",
    }
)
def decision_curve(
    outcome: Any,
    risks: Any,
    *,
    thresholds: Any = None,
    harm: float | dict[str, float] | None = None,
    prevalence: float | None = None,
    time: float | None = None,
    time_to_event: Any = None,
    horizon: float | None = None,
    event_of_interest: Any = None,
    competing: Any = None,
    censored: Any = 0,
    n_bootstrap: int = 0,
    prob: float = 0.95,
    nia_per: float = 100,
    random_seed: int | np.random.Generator | None = None,
) -> DecisionCurve:
    r"""Decision curve analysis: net benefit of risk models, treat-all and treat-none.

    At threshold probability :math:`p_t` a patient is treated when their risk is
    :math:`\ge p_t` (a risk of exactly 0 is never treated and exactly 1 always is, as R
    dcurves). With :math:`n` patients,

    .. math::

        \mathrm{NB}(p_t) = \frac{TP}{n} - \frac{FP}{n}\,\frac{p_t}{1-p_t} - \text{harm},

    treat-all has :math:`\mathrm{NB} = \pi - (1-\pi)\,p_t/(1-p_t)` (prevalence :math:`\pi`) and
    treat-none 0. For case-control data with known ``prevalence`` :math:`\pi`,
    :math:`TP/n` is replaced by sensitivity :math:`\times\,\pi` and :math:`FP/n` by
    :math:`(1-\text{specificity})(1-\pi)`. Net interventions avoided per ``nia_per`` patients
    are :math:`(\mathrm{NB} - \mathrm{NB}_{all}) / (p_t/(1-p_t)) \times` ``nia_per``;
    standardised net benefit is :math:`\mathrm{NB}/\pi`.

    For time-to-event outcomes (``time_to_event`` and ``horizon``) the risk among test
    positives is the Kaplan-Meier risk by the horizon among them, :math:`TP/n = \hat F_+(h)
    \cdot P(+)` and :math:`FP/n = (1-\hat F_+(h))\,P(+)`, as dcurves.

    **Competing risks.** When another event precludes the event of interest (death from other
    causes before a cancer diagnosis), ``outcome`` holds event codes and ``competing`` names
    the codes of the competing events. :math:`\hat F_+(h)` is then the Aalen-Johansen
    cumulative incidence of the event of interest among test positives,

    .. math::

        \hat F_{1+}(h) = \sum_{u_l \le h} \hat S_+(u_l^-)\,\frac{d_{1l}}{n_l},

    with :math:`\hat S_+` the Kaplan-Meier estimate of surviving every cause, :math:`d_{1l}`
    events of interest and :math:`n_l` patients at risk at the event time :math:`u_l` among
    test positives; treat-all uses the cumulative incidence of everyone. Unlike
    :math:`1 - \hat{KM}` with competing events treated as censoring (which overstates the
    risk), the cumulative incidences of all causes and the probability of no event sum to
    one. With no competing event in the data the curve equals the Kaplan-Meier one exactly.
    This is what R dcurves computes for a multi-state ``Surv()`` outcome (its first
    non-censoring state is the event of interest).

    Uncertainty: when a risk column holds posterior draws (shape ``(draw, unit)``), every
    statistic is computed per draw; the point curve is the posterior mean and the interval
    its central ``prob`` interval. With ``n_bootstrap > 0`` patients are resampled (replicate
    ``b`` also uses posterior draw ``b mod n_draws``) and the point curve is the one on the
    original patients. ``prob_best`` is the share of replicates in which a strategy has the
    highest net benefit at that threshold (ties shared).

    Parameters
    ----------
    outcome : array-like
        Binary outcome of 0/1 (the event indicator for survival outcomes); for competing
        risks the event codes (numbers or labels) declared by ``censored``,
        ``event_of_interest`` and ``competing``.
    risks : dict, DataFrame or Series
        Model name to risks: a 1-D array of point risks, a 2-D ``(draw, unit)`` array or a
        DataArray with dims ``(draw, unit)`` (or ``(chain, draw, unit)``) of posterior risk
        draws; a DataFrame's columns are risk columns. Risks must lie in [0, 1].
    thresholds : array-like, optional
        Threshold grid in [0, 1); default 0, 0.01, ..., 0.99 (as dcurves). Sorted, duplicates
        dropped.
    harm : float or dict, optional
        Harm of the test/model in net-benefit units, one value for every model or a dict per
        model (``"Treat all"`` allowed).
    prevalence : float, optional
        Population prevalence for case-control data (binary outcomes only).
    time : float, optional
        Alias of ``horizon`` (the name dcurves uses).
    time_to_event : array-like, optional
        Follow-up times (survival decision curve).
    horizon : float, optional
        Time point at which the survival net benefit is evaluated.
    event_of_interest : optional
        Code of the event of interest in ``outcome`` for competing risks (default 1).
    competing : code or sequence of codes, optional
        Codes of the competing events: with them (and ``time_to_event``) the risk is the
        Aalen-Johansen cumulative incidence. Every code in ``outcome`` must be declared;
        an undeclared code is an error, never silently censored. An empty sequence declares
        that there are none (Kaplan-Meier on coded outcomes).
    censored : code or sequence of codes
        Code(s) of censored patients for coded outcomes (default 0). Declaring the competing
        codes here instead gives the (biased) curve that treats them as censoring.
    n_bootstrap : int
        Bootstrap resamples of patients for intervals (0: none).
    prob : float
        Probability of the central intervals.
    nia_per : float
        Net interventions avoided are reported per this many patients (dcurves: 1).
    random_seed : int or numpy Generator, optional
        Seed of the bootstrap.

    Returns
    -------
    DecisionCurve

    References
    ----------
    Vickers AJ, Elkin EB. Decision curve analysis: a novel method for evaluating prediction
    models. Med Decis Making 2006;26(6):565-574.

    Vickers AJ, Cronin AM, Elkin EB, Gonen M. Extensions to decision curve analysis, a novel
    method for evaluating diagnostic tests, prediction models and molecular markers. BMC Med
    Inform Decis Mak 2008;8:53.

    Kerr KF, Brown MD, Zhu K, Janes H. Assessing the clinical impact of risk prediction
    models with decision curves. J Clin Oncol 2016;34(21):2534-2540.

    Sjoberg DD. dcurves: Decision Curve Analysis for Model Evaluation (R package).

    Aalen OO, Johansen S. An empirical transition matrix for non-homogeneous Markov chains
    based on censored observations. Scand J Stat 1978;5(3):141-150.

    Vickers AJ, Cronin AM, Elkin EB, Gonen M (2008), above, section "Competing risks".

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> y = np.array([0, 0, 1, 1])
    >>> dc = dk.threshold.decision_curve(y, {"model": [0.1, 0.4, 0.35, 0.8]},
    ...                                  thresholds=[0.2, 0.5])
    >>> dc.at(0.2)[["model", "net_benefit"]]
            model  net_benefit
    0       model       0.4375
    1   Treat all       0.3750
    2  Treat none       0.0000
    """
    codes: tuple[Any, ...] = ()
    if competing is not None or event_of_interest is not None:
        if time_to_event is None:
            raise ValidationError(
                f"{caller_name()} got event codes for competing risks but no 'time_to_event'. "
                "Competing risks need follow-up times: pass time_to_event= and horizon=."
            )
        eoi = 1 if event_of_interest is None else event_of_interest
        y, status, codes = check_event_codes(
            outcome,
            event_of_interest=eoi,
            competing=competing,
            censored=censored,
        )
    else:
        y = _binary_outcome(outcome, survival=time_to_event is not None)
        status = y.astype(np.int8)
    n = y.size
    models = check_risks(risks, n)
    thr = check_thresholds(thresholds)
    names = list(models)
    harms = check_harm(harm, names)
    surv_t, hz = check_survival(time_to_event, horizon, time, n)
    survival = None if surv_t is None else (surv_t, hz, status)
    if prevalence is not None:
        if survival is not None:
            raise ValidationError(
                f"{caller_name()}: 'prevalence' applies to case-control binary outcomes only; for "
                "survival outcomes the risk by the horizon is estimated. Drop it."
            )
        prevalence = check_probability(prevalence, "prevalence")
        if y.min() == y.max():
            raise ValidationError(
                f"{caller_name()} with a given prevalence needs both cases and non-cases in "
                "'outcome'; it holds only one class."
            )
    n_bootstrap = int(n_bootstrap)
    if 0 < n_bootstrap < 2:
        raise fail("n_bootstrap", "0 or at least 2", n_bootstrap)
    prob = float(prob)
    nia_per = float(nia_per)
    rng = check_random_state(random_seed)

    n_draws = max(a.shape[0] for a in models.values())
    common: dict[str, Any] = {"prevalence": prevalence, "harm": harms, "survival": survival}
    point_reps = engine.evaluate(models, y, thr, n_rep=n_draws, bootstrap_rng=None, **common)
    reps: dict[str, Any] | None
    if n_bootstrap:
        reps = engine.evaluate(models, y, thr, n_rep=n_bootstrap, bootstrap_rng=rng, **common)
        uncertainty = "posterior+bootstrap" if n_draws > 1 else "bootstrap"
    else:
        reps = point_reps if n_draws > 1 else None
        uncertainty = "posterior" if n_draws > 1 else "none"
    table = _tidy(point_reps, reps, names, thr, harms, prob=prob, nia_per=nia_per, n=n)
    thr.flags.writeable = False  # the result is immutable
    return DecisionCurve(
        table=table,
        models=tuple(names),
        thresholds=thr,
        prevalence=float(np.mean(point_reps["prevalence"])),
        n=n,
        uncertainty=uncertainty,
        n_replicates=1 if reps is None else int(reps["net_benefit"].shape[0]),
        prob=prob,
        nia_per=nia_per,
        horizon=hz,
        competing=codes,
        event_of_interest=(1 if event_of_interest is None else event_of_interest)
        if codes
        else None,
    )


def _binary_outcome(outcome: Any, *, survival: bool) -> np.ndarray:
    """0/1 outcome; for survival outcomes other codes point to ``competing=``."""
    try:
        return check_outcome(outcome)
    except ValidationError as exc:
        if not survival:
            raise
        raise ValidationError(
            f"{exc} If these codes are competing events (e.g. 2 = death from other causes), "
            "declare them: competing=(2,) (and event_of_interest=, censored= if not 1 and 0)."
        ) from None


def _derived(stats: dict[str, Any], thr: np.ndarray, nia_per: float) -> dict[str, np.ndarray]:
    """Net interventions avoided and standardised net benefit per replicate."""
    w = thr / (1 - thr)
    nb = stats["net_benefit"]
    # NIA divides by the odds pt / (1 - pt): undefined at pt = 0 and numerically meaningless
    # (overflowing) for odds below ~1e-12, so it is reported as missing there
    defined = w > 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        nia = np.where(defined, (nb - nb[:, -2:-1, :]) / np.where(defined, w, 1), np.nan) * nia_per
        snb = nb / stats["prevalence"][:, None, None]
    return {**stats, "net_interventions_avoided": nia, "standardized_net_benefit": snb}


def _tidy(point_reps, reps, names, thr, harms, *, prob, nia_per, n) -> pd.DataFrame:
    point = _derived(point_reps, thr, nia_per)
    cols: dict[str, np.ndarray] = {}
    for key in ("net_benefit", "tp_rate", "fp_rate", "pos_rate", "net_interventions_avoided"):
        cols[key] = point[key].mean(axis=0)
    cols["standardized_net_benefit"] = point["standardized_net_benefit"].mean(axis=0)
    shape = cols["net_benefit"].shape
    nan = np.full(shape, np.nan)
    lower = {"net_benefit": nan, "net_interventions_avoided": nan}
    upper = dict(lower)
    prob_best = nan
    if reps is not None:
        rep = _derived(reps, thr, nia_per)
        q = [(1 - prob) / 2, (1 + prob) / 2]
        for key in lower:
            with warnings.catch_warnings():  # all-NaN columns (NIA at threshold 0) stay NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                lower[key], upper[key] = np.nanquantile(rep[key], q, axis=0)
        prob_best = prob_best_array(rep["net_benefit"], action_axis=1)
    strategies = [*names, TREAT_ALL, TREAT_NONE]
    data = {
        "model": np.repeat(strategies, thr.size),
        "threshold": np.tile(thr, len(strategies)),
        "net_benefit": cols["net_benefit"].ravel(),
        "net_benefit_lower": lower["net_benefit"].ravel(),
        "net_benefit_upper": upper["net_benefit"].ravel(),
        "tp_rate": cols["tp_rate"].ravel(),
        "fp_rate": cols["fp_rate"].ravel(),
        "pos_rate": cols["pos_rate"].ravel(),
        "n_positive": cols["pos_rate"].ravel() * n,
        "net_interventions_avoided": cols["net_interventions_avoided"].ravel(),
        "net_interventions_avoided_lower": lower["net_interventions_avoided"].ravel(),
        "net_interventions_avoided_upper": upper["net_interventions_avoided"].ravel(),
        "standardized_net_benefit": cols["standardized_net_benefit"].ravel(),
        "prob_best": np.asarray(prob_best).ravel(),
        "harm": np.repeat([harms[s] for s in strategies], thr.size),
    }
    return pd.DataFrame(data, columns=_COLUMNS)
