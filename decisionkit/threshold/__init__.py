"""Clinical threshold decisions: decision curves, thresholds from consequences, per-patient advice.

- :func:`decision_curve` -> :class:`DecisionCurve`: net benefit of risk models against
  treat-all and treat-none across threshold probabilities (binary, case-control and
  time-to-event outcomes), with posterior or bootstrap intervals and P(best strategy).
- :func:`optimal_threshold` and :func:`threshold_from_matrix`: the Bayes-optimal risk
  threshold from the benefit and harm of treatment or a full 2x2 utility/cost table.
- :func:`test_consequences` -> :class:`TestConsequences`: sensitivity, specificity, PPV, NPV
  and the rates of the 2x2 table at each threshold, with Wilson score intervals.
- :func:`marker_to_risk` -> :class:`MarkerRisk`: a marker turned into a risk by logistic
  regression, or for time-to-event outcomes by a parametric model as 1 - S(horizon | marker).
- :func:`recommend_treatment` -> :class:`TreatmentRecommendation`: expected utility of
  treating each patient given posterior risk draws.

The scikit-learn scorers and multiclass Bayes decisions live in
:mod:`decisionkit.integrations.sklearn` (the decision layer never imports scikit-learn).
"""

from decisionkit.threshold._consequences import TestConsequences, test_consequences
from decisionkit.threshold._curve import DecisionCurve, decision_curve
from decisionkit.threshold._marker import MarkerRisk, marker_to_risk
from decisionkit.threshold._rules import (
    TreatmentRecommendation,
    optimal_threshold,
    recommend_treatment,
    threshold_from_matrix,
)

__all__ = [
    "DecisionCurve",
    "MarkerRisk",
    "TestConsequences",
    "TreatmentRecommendation",
    "decision_curve",
    "marker_to_risk",
    "optimal_threshold",
    "recommend_treatment",
    "test_consequences",
    "threshold_from_matrix",
]
