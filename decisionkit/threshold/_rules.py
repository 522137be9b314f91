"""Thresholds from consequences and per-patient treatment recommendations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._options import chunk_values
from decisionkit._validation import (
    Interval,
    caller_name,
    check_number,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.decision.analysis import Decision, decide
from decisionkit.decision.utility import linear
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution
from decisionkit.threshold._inputs import check_risk_array

__all__ = [
    "TreatmentRecommendation",
    "optimal_threshold",
    "recommend_treatment",
    "threshold_from_matrix",
]

NO_TREATMENT = "No treatment"
TREAT = "Treat"
# recommend_treatment calls decide() on chunks of units of at most this many draws x units


@validate_params({"benefit": Interval(0, None, closed="right"), "harm": Interval(0, None)})
def optimal_threshold(benefit: float, harm: float) -> float:
    r"""Bayes-optimal risk threshold: treat when risk exceeds :math:`p_t = H / (B + H)`.

    With benefit :math:`B` of treating a patient who has (or will have) the event, compared
    with not treating them, and harm :math:`H` of treating a patient who does not, treating
    a patient of risk :math:`p` has expected utility :math:`pB - (1-p)H` relative to not
    treating, which is positive exactly when :math:`p > H/(B+H)`. Conversely
    :math:`p_t/(1-p_t) = H/B` is the exchange rate used by net benefit.

    Parameters
    ----------
    benefit : float
        Benefit of treating a case (> 0), in any utility unit.
    harm : float
        Harm of treating a non-case (>= 0), in the same unit.

    Returns
    -------
    float
        The threshold probability in [0, 1).

    References
    ----------
    Pauker SG, Kassirer JP. The threshold approach to clinical decision making.
    N Engl J Med 1980;302(20):1109-1117.

    Examples
    --------
    >>> import decisionkit as dk
    >>> dk.threshold.optimal_threshold(benefit=4, harm=1)
    0.2
    """
    b = float(benefit)
    h = float(harm)
    return h / (b + h)


@validate_params()
def threshold_from_matrix(utility_matrix: Any = None, *, cost_matrix: Any = None) -> float:
    r"""Bayes-optimal threshold from a full 2x2 utility (or cost) table.

    Orientation: rows are the actual state (row 0 = no event, row 1 = event), columns the
    decision (column 0 = no treatment, column 1 = treat)::

                      no treatment   treat
        no event        U[0, 0]      U[0, 1]
        event           U[1, 0]      U[1, 1]

    The benefit of treating a case is :math:`B = U_{11} - U_{10}` and the harm of treating a
    non-case :math:`H = U_{00} - U_{01}`; the threshold is :math:`H/(B+H)`
    (:func:`optimal_threshold`). A cost matrix is the negative of a utility matrix.

    Parameters
    ----------
    utility_matrix : array-like of shape (2, 2), optional
        Utilities (higher is better).
    cost_matrix : array-like of shape (2, 2), optional
        Costs (lower is better). Pass exactly one of the two.

    Returns
    -------
    float

    Examples
    --------
    >>> import decisionkit as dk
    >>> dk.threshold.threshold_from_matrix(cost_matrix=[[0, 1], [4, 0]])
    0.2
    """
    if (utility_matrix is None) == (cost_matrix is None):
        raise ValidationError(
            f"{caller_name()} needs exactly one of 'utility_matrix' or 'cost_matrix' "
            "(a 2x2 table, rows = actual no event/event, columns = no treatment/treat)."
        )
    param = "utility_matrix" if cost_matrix is None else "cost_matrix"
    raw = utility_matrix if cost_matrix is None else cost_matrix
    m = np.asarray(raw.to_numpy() if isinstance(raw, pd.DataFrame) else raw)
    if m.shape != (2, 2) or m.dtype.kind not in "biuf":
        raise fail(param, "a numeric 2x2 table", raw)
    finite_or_raise(m, f"The '{param}' of {caller_name()}")
    u = m.astype(float) if cost_matrix is None else -m.astype(float)
    benefit = u[1, 1] - u[1, 0]
    harm = u[0, 0] - u[0, 1]
    if benefit <= 0:
        raise ValidationError(
            f"The '{param}' of {caller_name()} says treating a patient with the event is no better "
            f"than not treating them (benefit {benefit:g}); then no risk justifies treatment. "
            "Check the orientation: rows = actual (no event, event), columns = decision "
            "(no treatment, treat)."
        )
    if harm < 0:
        raise ValidationError(
            f"The '{param}' of {caller_name()} says treating a patient without the event is better "
            f"than not treating them (harm {harm:g}); then everyone should be treated. Check "
            "the orientation: rows = actual (no event, event), columns = decision "
            "(no treatment, treat)."
        )
    return float(harm / (benefit + harm))


@dataclass(frozen=True, repr=False, eq=False)
class TreatmentRecommendation:
    """Per-patient treatment recommendations from risk draws (immutable).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per patient: ``unit``, ``risk`` (posterior mean), ``risk_lower``/
        ``risk_upper``, ``eu_no_treatment`` (0), ``eu_treat``, ``expected_gain`` (treat minus
        no treatment), ``prob_treat_better``, ``recommended``, ``expected_loss`` (of the
        recommended action).
    benefit, harm : float
        Benefit of treating a case and harm of treating a non-case (utility units).
    threshold : float
        The implied risk threshold ``harm / (benefit + harm)``.
    n_draws : int
        Number of risk draws per patient.
    prob : float
        Probability of the risk intervals.
    """

    table: pd.DataFrame
    benefit: float
    harm: float
    threshold: float
    n_draws: int
    prob: float

    @property
    def recommended(self) -> pd.Series:
        """Recommended action per patient (indexed by unit)."""
        return self.table.set_index("unit")["recommended"]

    @property
    def n_treat(self) -> int:
        """Number of patients for whom treatment is recommended."""
        return int((self.table["recommended"] == TREAT).sum())

    def to_frame(self) -> pd.DataFrame:
        """The per-patient table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """A short readable report."""
        n = len(self.table)
        unsure = int(((self.table["prob_treat_better"] - 0.5).abs() < 0.4).sum())
        return "\n".join(
            [
                f"Treatment recommendation for {n} patients ({self.n_draws} risk draws each)",
                f"Benefit {self.benefit:g}, harm {self.harm:g}: threshold {self.threshold:.4g}",
                f"Treat: {self.n_treat}   No treatment: {n - self.n_treat}",
                f"Uncertain (0.1 < P(treat better) < 0.9): {unsure}",
            ]
        )

    def __repr__(self) -> str:
        return "<TreatmentRecommendation>\n" + self.summary()


@validate_params({"prob": Interval(0.0, 1.0, closed="neither")})
def recommend_treatment(
    risk_draws: Any,
    *,
    benefit: float | None = None,
    harm: float | None = None,
    threshold: float | None = None,
    unit_labels: Any = None,
    prob: float = 0.95,
) -> TreatmentRecommendation:
    r"""Expected utility of treating each patient, from draws of their risk.

    Relative to no treatment (utility 0), treating a patient whose risk in draw :math:`s` is
    :math:`p_s` has utility :math:`U_s = p_s B - (1 - p_s) H`. The recommendation maximises
    expected utility (treat when :math:`E[p] > H/(B+H)`) and ``prob_treat_better`` is the
    share of draws with :math:`U_s > 0` (ties shared), computed with :func:`decisionkit.decide`
    on actions ``"No treatment"`` and ``"Treat"`` with dims (draw, unit). With
    ``threshold=pt`` instead of benefit and harm, :math:`B = 1` and :math:`H = p_t/(1-p_t)`,
    so utilities are in net-benefit units (true positives per patient).

    Parameters
    ----------
    risk_draws : array-like or DataArray
        Shape ``(draw, unit)`` (posterior risk draws) or ``(unit,)`` (point risks); a
        DataArray with dims ``(draw, unit)`` or ``(chain, draw, unit)``. Values in [0, 1].
    benefit, harm : float
        Benefit of treating a case (> 0) and harm of treating a non-case (>= 0).
    threshold : float
        Alternative to ``benefit``/``harm``: the risk threshold in [0, 1).
    unit_labels : sequence, optional
        Patient labels (default 0..n-1).
    prob : float
        Probability of the central risk intervals.

    Returns
    -------
    TreatmentRecommendation

    References
    ----------
    Pauker SG, Kassirer JP. The threshold approach to clinical decision making.
    N Engl J Med 1980;302(20):1109-1117.

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> draws = np.array([[0.1, 0.5], [0.3, 0.7]])
    >>> dk.threshold.recommend_treatment(draws, benefit=4, harm=1).recommended.tolist()
    ['No treatment', 'Treat']
    """
    if threshold is not None:
        if benefit is not None or harm is not None:
            raise ValidationError(
                f"{caller_name()} takes either 'threshold' or 'benefit' and 'harm', not both."
            )
        pt = check_number(threshold, "threshold", low=0, high=1, high_inclusive=False)
        b, h = 1.0, pt / (1 - pt)
    else:
        if benefit is None or harm is None:
            raise ValidationError(
                f"{caller_name()} needs 'benefit' and 'harm' (utility of treating a case "
                "and harm of "
                "treating a non-case), or 'threshold'."
            )
        pt = optimal_threshold(benefit, harm)
        b, h = float(benefit), float(harm)
    prob = float(prob)
    arr = np.asarray(risk_draws) if not hasattr(risk_draws, "dims") else risk_draws
    n_units = arr.shape[-1] if np.ndim(arr) else 0
    if n_units == 0:
        raise fail("risk_draws", "a non-empty array of risks", risk_draws)
    p = check_risk_array(arr, "risk_draws", n_units)
    labels = np.arange(n_units) if unit_labels is None else np.asarray(unit_labels)
    if labels.shape != (n_units,):
        raise fail("unit_labels", f"{n_units} labels (one per patient)", unit_labels)
    # decide() needs at least two draws; point risks are repeated (identical results)
    draws = p if p.shape[0] > 1 else np.repeat(p, 2, axis=0)
    step = chunk_values(4 * draws.shape[0])
    tables = [
        _decide_chunk(draws[:, i : i + step], labels[i : i + step], b, h)
        for i in range(0, n_units, step)
    ]
    table = _per_patient(pd.concat(tables, ignore_index=True), p, labels, prob)
    return TreatmentRecommendation(table, b, h, pt, int(p.shape[0]), prob)


def _decide_chunk(p: np.ndarray, labels: np.ndarray, b: float, h: float) -> pd.DataFrame:
    u_treat = p * b - (1 - p) * h
    u = np.stack([np.zeros_like(u_treat), u_treat], axis=1)  # (draw, action, unit)
    out = OutcomeDistribution.from_arrays(
        {"utility": u}, actions=[NO_TREATMENT, TREAT], dims=["unit"], coords={"unit": list(labels)}
    )
    dec: Decision = decide(out, linear({"utility": 1.0}))
    return dec.to_frame()


def _per_patient(t: pd.DataFrame, p: np.ndarray, labels: np.ndarray, prob: float):
    wide = t.pivot(index="unit", columns="action")
    wide = wide.loc[labels]
    lo, hi = np.quantile(p, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
    eu_treat = wide[("expected_utility", TREAT)].to_numpy()
    treat = wide[("rank", TREAT)].to_numpy() == 1
    loss = np.where(
        treat,
        wide[("expected_loss", TREAT)].to_numpy(),
        wide[("expected_loss", NO_TREATMENT)].to_numpy(),
    )
    return pd.DataFrame(
        {
            "unit": labels,
            "risk": p.mean(axis=0),
            "risk_lower": lo,
            "risk_upper": hi,
            "eu_no_treatment": wide[("expected_utility", NO_TREATMENT)].to_numpy(),
            "eu_treat": eu_treat,
            "expected_gain": eu_treat - wide[("expected_utility", NO_TREATMENT)].to_numpy(),
            "prob_treat_better": wide[("prob_best", TREAT)].to_numpy(),
            "recommended": np.where(treat, TREAT, NO_TREATMENT),
            "expected_loss": loss,
        }
    )
