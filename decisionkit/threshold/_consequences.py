"""test_consequences(): the 2x2 table of treating by a risk model at each threshold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import Interval, caller_name, check_probability, fail, validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.threshold._engine import positive_counts, risk_bins
from decisionkit.threshold._inputs import check_outcome, check_risks, check_thresholds

__all__ = ["TestConsequences", "test_consequences"]

# statistic -> (numerator, denominator) of the counts a (TP), b (FP), c (FN), d (TN), n
_PROPORTIONS = {
    "prevalence": ("a+c", "n"),
    "pos_rate": ("a+b", "n"),
    "neg_rate": ("c+d", "n"),
    "tp_rate": ("a", "n"),
    "fp_rate": ("b", "n"),
    "fn_rate": ("c", "n"),
    "tn_rate": ("d", "n"),
    "sensitivity": ("a", "a+c"),
    "specificity": ("d", "b+d"),
    "ppv": ("a", "a+b"),
    "npv": ("d", "c+d"),
}
STATISTICS = (*_PROPORTIONS, "lr_pos", "lr_neg")
_WIDE = ["model", "threshold", "n", "tp", "fp", "fn", "tn", *STATISTICS]


@dataclass(frozen=True, repr=False, eq=False)
class TestConsequences:
    """Consequences of treating by each risk model at each threshold (immutable).

    Built by :func:`test_consequences`. ``to_frame()`` is tidy (one row per model, threshold
    and statistic, with its interval); ``summary`` is wide (one row per model and threshold).

    Attributes
    ----------
    models : tuple of str
        The risk columns evaluated.
    thresholds : ndarray
        The threshold grid.
    n : int
        Number of patients.
    prob : float
        Probability of the Wilson score intervals.
    prevalence : float
        Outcome prevalence used (observed, or given for case-control data).
    case_control : bool
        Whether a population prevalence was given (then only sensitivity and specificity have
        intervals).
    """

    __test__ = False  # not a pytest test class despite its name

    table: pd.DataFrame
    counts: pd.DataFrame
    models: tuple[str, ...]
    thresholds: np.ndarray
    n: int
    prob: float
    prevalence: float
    case_control: bool

    def to_frame(self) -> pd.DataFrame:
        """Tidy table (a copy): model, threshold, statistic, estimate, lower, upper, x, total.

        ``x`` and ``total`` are the count and the denominator behind a proportion (NaN for the
        likelihood ratios and for the Bayes-rule statistics of case-control data).
        """
        return self.table.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """Wide table: one row per model and threshold with the 2x2 counts and every estimate."""
        est = self.table.pivot_table(
            index=["model", "threshold"], columns="statistic", values="estimate", sort=False
        )
        wide = est.reindex(columns=list(STATISTICS)).reset_index()
        wide.columns.name = None
        wide = wide.merge(self.counts, on=["model", "threshold"], how="left", validate="1:1")
        wide["n"] = self.n
        return wide[_WIDE]

    @validate_params()
    def at(self, threshold: float) -> pd.DataFrame:
        """Rows of :attr:`summary` at one grid threshold (one row per model)."""
        wide = self.summary
        rows = wide[np.isclose(wide["threshold"], threshold, rtol=0, atol=1e-12)]
        if rows.empty:
            raise ValidationError(
                f"The threshold {threshold:g} is not on the grid of these test consequences "
                f"({self.thresholds[0]:g} to {self.thresholds[-1]:g}, {self.thresholds.size} "
                "values). Pass a grid value or recompute with thresholds= including it."
            )
        return rows.reset_index(drop=True)

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        wide = self.summary
        shown = wide[["model", "threshold", "sensitivity", "specificity", "ppv", "npv"]]
        head = (
            f"<TestConsequences> {self.n} patients, prevalence {self.prevalence:.4g}"
            + (" (given: case-control)" if self.case_control else "")
            + f", {self.thresholds.size} thresholds, {self.prob:.0%} Wilson intervals"
        )
        return head + "\n" + shown.to_string(index=False, max_rows=20, float_format="{:.4g}".format)


@validate_params({"prob": Interval(0.0, 1.0, closed="neither")})
def test_consequences(
    outcome: Any,
    risks: Any,
    *,
    thresholds: Any = None,
    prevalence: float | None = None,
    prob: float = 0.95,
) -> TestConsequences:
    r"""Sensitivity, specificity, PPV, NPV and the rates of the 2x2 table at each threshold.

    At threshold :math:`p_t` a patient tests positive when their risk is :math:`\ge p_t`
    (a risk of exactly 0 never does), as in :func:`decision_curve`. With
    :math:`a` true positives, :math:`b` false positives, :math:`c` false negatives and
    :math:`d` true negatives among :math:`n` patients:

    ============== ===================== ===================================
    statistic      definition            dcurves name
    ============== ===================== ===================================
    prevalence     (a + c) / n           ``pos_rate``
    pos_rate       (a + b) / n           ``test_pos_rate``
    neg_rate       (c + d) / n           ``test_neg_rate``
    tp_rate        a / n                 ``tp_rate``
    fp_rate        b / n                 ``fp_rate``
    fn_rate        c / n                 ``fn_rate``
    tn_rate        d / n                 ``tn_rate``
    sensitivity    a / (a + c)           ``sens``
    specificity    d / (b + d)           ``spec``
    ppv            a / (a + b)           ``ppv``
    npv            d / (c + d)           ``npv``
    lr_pos         sens / (1 - spec)     ``lr_pos``
    lr_neg         (1 - sens) / spec     ``lr_neg``
    ============== ===================== ===================================

    (``pos_rate`` is the share who test positive, as in :func:`decision_curve`; dcurves uses
    that name for the outcome prevalence.) A proportion :math:`x/m` has the Wilson score
    interval

    .. math::

        \frac{x + z^2/2}{m + z^2} \pm \frac{z}{m + z^2}
        \sqrt{\frac{x(m - x)}{m} + \frac{z^2}{4}},

    with :math:`z` the :math:`(1+\text{prob})/2` normal quantile; it stays inside [0, 1] and
    keeps close to nominal coverage at small counts and at proportions near 0 or 1 (where the
    Wald interval fails). An empty denominator gives NaN. The likelihood ratios have no
    interval.

    For case-control data pass the population ``prevalence`` :math:`\pi`: sensitivity and
    specificity (and their intervals) come from the sample, the rates from
    :math:`\text{tp\_rate} = \text{sens}\,\pi`, :math:`\text{fp\_rate} = (1-\text{spec})(1-\pi)`
    (and so on), and PPV and NPV by Bayes' rule; those have no interval.

    Parameters
    ----------
    outcome : array-like of 0/1
        Binary outcome.
    risks : dict, DataFrame or Series
        Model name to point risks in [0, 1] (1-D; for posterior draws pass their mean).
    thresholds : array-like, optional
        Threshold grid in [0, 1); default 0, 0.01, ..., 0.99.
    prevalence : float, optional
        Population prevalence for case-control data.
    prob : float
        Probability of the intervals (default 0.95).

    Returns
    -------
    TestConsequences

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical inference. J Am
    Stat Assoc 1927;22(158):209-212.

    Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion. Stat Sci
    2001;16(2):101-133.

    Sjoberg DD. dcurves: Decision Curve Analysis for Model Evaluation (R package),
    ``test_consequences()``.

    Examples
    --------
    >>> import decisionkit as dk
    >>> tc = dk.threshold.test_consequences([0, 0, 1, 1], {"model": [0.1, 0.4, 0.35, 0.8]},
    ...                                     thresholds=[0.3])
    >>> tc.at(0.3)[["tp", "fp", "fn", "tn", "sensitivity", "specificity"]]
       tp  fp  fn  tn  sensitivity  specificity
    0   2   1   0   1          1.0          0.5
    """
    y = check_outcome(outcome)
    n = y.size
    models = check_risks(risks, n)
    with_draws = [m for m, a in models.items() if a.shape[0] > 1]
    if with_draws:
        raise ValidationError(
            f"{caller_name()} takes point risks, but {with_draws[0]!r} holds "
            f"{len(models[with_draws[0]])}"
            " draws per patient. Pass one risk per patient, e.g. the posterior mean "
            "(draws.mean(axis=0))."
        )
    thr = check_thresholds(thresholds)
    prob = float(prob)
    if prevalence is not None:
        prevalence = check_probability(prevalence, "prevalence")
        if y.min() == y.max():
            raise ValidationError(
                f"{caller_name()} with a given prevalence needs both cases and non-cases in "
                "'outcome';"
                " it holds only one class."
            )
    from scipy.stats import norm

    z = float(norm.ppf((1 + prob) / 2))
    frames, tables = [], []
    cases = int(y.sum())
    for name, arr in models.items():
        tp, fp = positive_counts(risk_bins(arr, thr), y, thr.size)
        a, b = tp[0].astype(np.int64), fp[0].astype(np.int64)
        counts = {"a": a, "b": b, "c": cases - a, "d": n - cases - b}
        frames.append(_long(name, thr, counts, n, z, prevalence))
        tables.append(
            pd.DataFrame(
                {"model": name, "threshold": thr, "tp": a, "fp": b, "fn": cases - a}
                | {"tn": n - cases - b}
            )
        )
    table = pd.concat(frames, ignore_index=True)
    thr.flags.writeable = False
    return TestConsequences(
        table=table,
        counts=pd.concat(tables, ignore_index=True),
        models=tuple(models),
        thresholds=thr,
        n=n,
        prob=prob,
        prevalence=float(y.mean()) if prevalence is None else prevalence,
        case_control=prevalence is not None,
    )


test_consequences.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def wilson_interval(x: np.ndarray, m: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of x successes out of m (NaN where m = 0)."""
    x, m = np.asarray(x, float), np.asarray(m, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (x + z * z / 2) / (m + z * z)
        half = z / (m + z * z) * np.sqrt(x * (m - x) / m + z * z / 4)
    bad = m <= 0
    lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def _long(
    name: str,
    thr: np.ndarray,
    counts: dict[str, np.ndarray],
    n: int,
    z: float,
    prevalence: float | None,
) -> pd.DataFrame:
    counts = {k: v.astype(float) for k, v in counts.items()} | {"n": np.full(thr.size, float(n))}
    rows: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for stat, (num, den) in _PROPORTIONS.items():
        x = np.sum([counts[k] for k in num.split("+")], axis=0)
        m = np.sum([counts[k] for k in den.split("+")], axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            est = np.where(m > 0, x / np.where(m > 0, m, 1), np.nan)
        lo, hi = wilson_interval(x, m, z)
        rows[stat] = (est, lo, hi, np.asarray(x, float), np.asarray(m, float))
    if prevalence is not None:
        rows.update(_case_control(rows, prevalence))
    sens, spec = rows["sensitivity"][0], rows["specificity"][0]
    nan = np.full(thr.size, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        rows["lr_pos"] = (sens / (1 - spec), nan, nan, nan, nan)
        rows["lr_neg"] = ((1 - sens) / spec, nan, nan, nan, nan)
    parts = [
        pd.DataFrame(
            {
                "model": name,
                "threshold": thr,
                "statistic": stat,
                "estimate": est,
                "lower": lo,
                "upper": hi,
                "x": x,
                "total": m,
            }
        )
        for stat, (est, lo, hi, x, m) in rows.items()
    ]
    return pd.concat(parts, ignore_index=True)


def _case_control(rows: dict[str, Any], prevalence: float) -> dict[str, Any]:
    """Population rates from the sample's sensitivity and specificity and a known prevalence."""
    sens, spec = rows["sensitivity"][0], rows["specificity"][0]
    nan = np.full(sens.shape, np.nan)
    rates = {
        "prevalence": np.full(sens.shape, prevalence),
        "tp_rate": sens * prevalence,
        "fn_rate": (1 - sens) * prevalence,
        "fp_rate": (1 - spec) * (1 - prevalence),
        "tn_rate": spec * (1 - prevalence),
    }
    rates["pos_rate"] = rates["tp_rate"] + rates["fp_rate"]
    rates["neg_rate"] = rates["fn_rate"] + rates["tn_rate"]
    with np.errstate(invalid="ignore", divide="ignore"):
        rates["ppv"] = rates["tp_rate"] / rates["pos_rate"]
        rates["npv"] = rates["tn_rate"] / rates["neg_rate"]
    return {k: (v, nan, nan, nan, nan) for k, v in rates.items()}


def check_statistics(statistics: Any) -> list[str]:
    chosen = [statistics] if isinstance(statistics, str) else list(statistics)
    unknown = [s for s in chosen if s not in STATISTICS]
    if unknown or not chosen:
        raise fail("statistics", f"a subset of {list(STATISTICS)}", unknown or chosen)
    return chosen
