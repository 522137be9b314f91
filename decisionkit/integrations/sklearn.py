"""scikit-learn bridge: decision-analytic scorers and Bayes decisions from ``predict_proba``.

The decision layer never imports scikit-learn; this module does (inside the functions that
need it), so ``import decisionkit`` stays light.

- :func:`make_net_benefit_scorer`: net benefit at a risk threshold as a scorer, e.g. for
  ``sklearn.model_selection.TunedThresholdClassifierCV(scoring=...)`` (scikit-learn issue
  22136 asks for net benefit).
- :func:`make_utility_scorer`: mean utility per patient from a utility (or cost) matrix over
  the confusion matrix, for binary or multiclass predictions.
- :func:`bayes_decision`: the action minimising expected cost given class probabilities
  (scikit-learn issue 30970), for any number of classes and actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    Interval,
    caller_name,
    fail,
    finite_or_raise,
    require,
    validate_params,
)
from decisionkit.exceptions import ValidationError

__all__ = [
    "BayesDecision",
    "bayes_decision",
    "make_net_benefit_scorer",
    "make_utility_scorer",
    "net_benefit_score",
    "utility_score",
]


@validate_params({"threshold": Interval(0.0, 1.0, closed="left"), "harm": Interval(0.0, None)})
def net_benefit_score(
    y_true: Any,
    y_pred: Any,
    *,
    threshold: float,
    harm: float = 0.0,
    pos_label: Any = 1,
    sample_weight: Any = None,
) -> float:
    r"""Net benefit of hard predictions: :math:`TP/n - FP/n \cdot p_t/(1-p_t) - \text{harm}`.

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted labels; ``pos_label`` marks the event / "treat" class.
    threshold : float
        The threshold probability :math:`p_t` in [0, 1) that sets the exchange rate.
    harm : float
        Harm of the test itself, in net-benefit units.
    pos_label : label
        The positive class.
    sample_weight : array-like, optional
        Weights per patient (``n`` is their sum).

    Returns
    -------
    float

    References
    ----------
    Vickers AJ, Elkin EB. Decision curve analysis: a novel method for evaluating prediction
    models. Med Decis Making 2006;26(6):565-574.
    """
    from sklearn.utils import check_consistent_length, column_or_1d
    from sklearn.utils.validation import _check_sample_weight

    threshold = float(threshold)
    harm = float(harm)
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    if y_true.size == 0:
        raise fail("y_true", "a non-empty array of labels", "an empty array")
    # scikit-learn's own checks: equal lengths (no silent broadcasting of one prediction)
    try:
        check_consistent_length(y_true, y_pred, sample_weight)
    except ValueError as exc:
        raise ValidationError(f"{caller_name()}: {exc} Pass one prediction per patient.") from None
    labels = set(np.unique(y_true).tolist()) | set(np.unique(y_pred).tolist())
    if pos_label not in labels:
        raise fail(
            "pos_label",
            f"one of the labels in the data {sorted(labels, key=str)}",
            pos_label,
        )
    try:
        w = _check_sample_weight(sample_weight, y_true, dtype=np.float64, ensure_non_negative=True)
    except ValueError as exc:
        raise ValidationError(f"{caller_name()}: {exc}") from None
    n = w.sum()
    if not n > 0:
        raise fail("sample_weight", "weights with a positive sum", sample_weight)
    yt = y_true == pos_label
    yp = y_pred == pos_label
    tp = w[yt & yp].sum() / n
    fp = w[~yt & yp].sum() / n
    return float(tp - fp * threshold / (1 - threshold) - harm)


@validate_params({"threshold": Interval(0, 1, closed="left"), "harm": Interval(None, None)})
def make_net_benefit_scorer(threshold: float, *, harm: float = 0.0, pos_label: Any = 1):
    """Scorer returning net benefit at ``threshold`` (higher is better).

    Use it to tune a classifier's decision threshold for net benefit: with a calibrated
    model, ``TunedThresholdClassifierCV(estimator, scoring=make_net_benefit_scorer(pt))``
    picks a decision threshold near ``pt`` itself (the Bayes-optimal rule).

    Parameters
    ----------
    threshold : float
        Threshold probability in [0, 1) defining net benefit's exchange rate
        (e.g. ``dk.threshold.optimal_threshold(benefit, harm)``).
    harm : float
        Harm of the test in net-benefit units.
    pos_label : label
        The positive ("treat") class.

    Returns
    -------
    callable
        A scikit-learn scorer (``scorer(estimator, X, y)``).

    Examples
    --------
    >>> from decisionkit.integrations.sklearn import make_net_benefit_scorer
    >>> scorer = make_net_benefit_scorer(0.2)
    """
    threshold = float(threshold)
    harm = float(harm)
    metrics = require("sklearn.metrics", "make_net_benefit_scorer")
    return metrics.make_scorer(
        net_benefit_score,
        response_method="predict",
        threshold=threshold,
        harm=harm,
        pos_label=pos_label,
    )


@validate_params()
def utility_score(
    y_true: Any, y_pred: Any, *, utility_matrix: Any, labels: Any, sample_weight: Any = None
) -> float:
    r"""Mean utility per patient: :math:`\frac1n \sum_{k,a} C_{ka} U_{ka}`.

    ``C`` is the confusion matrix (rows actual class, columns predicted class, in the order
    of ``labels``) and ``U`` the utility matrix in the same orientation.
    """
    metrics = require("sklearn.metrics", "utility_score")
    cm = metrics.confusion_matrix(y_true, y_pred, labels=labels, sample_weight=sample_weight)
    return float((cm * np.asarray(utility_matrix)).sum() / cm.sum())


@validate_params()
def make_utility_scorer(utility_matrix: Any = None, *, cost_matrix: Any = None, labels: Any = None):
    """Scorer returning mean utility per patient (or minus the mean cost).

    Orientation: rows are the actual class, columns the predicted class (the decision), in
    the order of ``labels`` (default: sorted class labels ``0, 1, ..., K-1``), as
    :func:`sklearn.metrics.confusion_matrix` and
    :func:`decisionkit.threshold.threshold_from_matrix`.

    Parameters
    ----------
    utility_matrix : array-like of shape (K, K), optional
        Utility of predicting column class when the row class is true (higher is better).
    cost_matrix : array-like of shape (K, K), optional
        Cost instead of utility; the scorer returns minus the mean cost (scikit-learn's
        "greater is better" convention). Pass exactly one of the two.
    labels : array-like of shape (K,), optional
        Class labels in matrix order.

    Returns
    -------
    callable
        A scikit-learn scorer, usable in ``TunedThresholdClassifierCV(scoring=...)`` for
        binary problems and in ``GridSearchCV`` / ``cross_val_score`` generally.

    Examples
    --------
    >>> from decisionkit.integrations.sklearn import make_utility_scorer
    >>> scorer = make_utility_scorer(cost_matrix=[[0, 1], [4, 0]])
    """
    u = _matrix(utility_matrix, cost_matrix)
    if u.shape[0] != u.shape[1]:
        raise fail("utility_matrix", "a square (K, K) table", u.shape)
    k = u.shape[0]
    labels = np.arange(k) if labels is None else np.asarray(labels)
    if labels.shape != (k,) or np.unique(labels).size != k:
        raise fail("labels", f"{k} distinct class labels in matrix order", labels)
    metrics = require("sklearn.metrics", caller_name())
    extra = {"pos_label": labels[1]} if k == 2 else {}
    return metrics.make_scorer(
        _utility_score_binary if k == 2 else utility_score,
        response_method="predict",
        utility_matrix=u,
        labels=labels,
        **extra,
    )


def _utility_score_binary(y_true, y_pred, *, utility_matrix, labels, pos_label, **kw) -> float:
    # pos_label only tells TunedThresholdClassifierCV which class is "positive"
    return utility_score(y_true, y_pred, utility_matrix=utility_matrix, labels=labels, **kw)


def _matrix(utility_matrix: Any, cost_matrix: Any) -> np.ndarray:
    if (utility_matrix is None) == (cost_matrix is None):
        raise ValidationError(
            f"{caller_name()} needs exactly one of 'utility_matrix' or 'cost_matrix'."
        )
    param = "utility_matrix" if cost_matrix is None else "cost_matrix"
    raw = utility_matrix if cost_matrix is None else cost_matrix
    m = np.asarray(raw.to_numpy() if isinstance(raw, pd.DataFrame) else raw)
    if m.ndim != 2 or m.shape[0] < 2 or m.dtype.kind not in "biuf":
        raise fail(param, "a numeric 2-D table with at least 2 rows", raw)
    finite_or_raise(m, f"The '{param}' of {caller_name()}")
    return m.astype(float) if cost_matrix is None else -m.astype(float)


@dataclass(frozen=True, repr=False, eq=False)
class BayesDecision:
    """Result of :func:`bayes_decision` (immutable).

    Attributes
    ----------
    labels : ndarray, shape (n,)
        The chosen action per sample (minimum expected cost; ties go to the first action).
    expected_cost : ndarray, shape (n, A)
        Expected cost of every action per sample.
    actions : ndarray, shape (A,)
        Action labels, in the column order of the cost matrix.
    """

    labels: np.ndarray
    expected_cost: np.ndarray
    actions: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table: sample, action, expected_cost, chosen."""
        n, a = self.expected_cost.shape
        return pd.DataFrame(
            {
                "sample": np.repeat(np.arange(n), a),
                "action": np.tile(self.actions, n),
                "expected_cost": self.expected_cost.ravel(),
                "chosen": (self.actions[None, :] == self.labels[:, None]).ravel(),
            }
        )

    def __repr__(self) -> str:
        counts = pd.Series(self.labels).value_counts().to_dict()
        return f"<BayesDecision: {len(self.labels)} samples, chosen {counts}>"


@validate_params()
def bayes_decision(
    proba: Any, cost_matrix: Any, classes: Any = None, *, actions: Any = None
) -> BayesDecision:
    r"""Choose, per sample, the action with minimum expected cost under class probabilities.

    With class probabilities :math:`p_{ik}` and a cost matrix :math:`C_{ka}` (rows: actual
    class :math:`k`, columns: action :math:`a`), the expected cost of action :math:`a` is
    :math:`\sum_k p_{ik} C_{ka}` and the Bayes decision is its arg-min. With a calibrated
    ``predict_proba`` this is optimal under the stated costs; there may be more actions than
    classes (e.g. "refer for testing").

    Parameters
    ----------
    proba : array-like of shape (n, K)
        Class probabilities (e.g. ``estimator.predict_proba(X)``); rows sum to 1.
    cost_matrix : array-like of shape (K, A)
        Cost of each action (column) when the row class is true.
    classes : array-like of shape (K,), optional
        Class labels (e.g. ``estimator.classes_``); used as action labels when ``A == K``
        and ``actions`` is not given.
    actions : array-like of shape (A,), optional
        Action labels (default: ``classes`` when square, else ``0 .. A-1``).

    Returns
    -------
    BayesDecision

    References
    ----------
    Elkan C. The foundations of cost-sensitive learning. IJCAI 2001:973-978.

    Examples
    --------
    >>> import numpy as np
    >>> from decisionkit.integrations.sklearn import bayes_decision
    >>> proba = np.array([[0.7, 0.3], [0.9, 0.1]])
    >>> bayes_decision(proba, [[0, 1], [4, 0]], classes=["healthy", "sick"]).labels.tolist()
    ['sick', 'healthy']
    """
    p = np.asarray(proba)
    if p.ndim != 2 or p.shape[0] == 0 or p.dtype.kind not in "biuf":
        raise fail("proba", "a non-empty 2-D array (n_samples, n_classes)", p.shape)
    finite_or_raise(p, f"The 'proba' of {caller_name()}")
    p = p.astype(float)
    if p.min() < 0 or p.max() > 1 or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise ValidationError(
            f"The 'proba' of {caller_name()} must hold probabilities whose rows sum to 1 (e.g. "
            "predict_proba output); they are never renormalised silently."
        )
    c = np.asarray(cost_matrix)
    if c.ndim != 2 or c.dtype.kind not in "biuf" or c.shape[0] != p.shape[1]:
        raise fail(
            "cost_matrix",
            f"a numeric table with {p.shape[1]} rows (one per class) and one column per action",
            cost_matrix,
        )
    finite_or_raise(c, f"The 'cost_matrix' of {caller_name()}")
    if classes is not None and np.asarray(classes).shape != (p.shape[1],):
        raise fail("classes", f"{p.shape[1]} class labels", classes)
    if actions is None:
        if classes is not None and c.shape[1] == c.shape[0]:
            actions = classes
        else:
            actions = np.arange(c.shape[1])
    actions = np.asarray(actions)
    if actions.shape != (c.shape[1],):
        raise fail("actions", f"{c.shape[1]} action labels", actions)
    expected = p @ c.astype(float)
    return BayesDecision(actions[np.argmin(expected, axis=1)], expected, actions)
