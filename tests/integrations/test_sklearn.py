"""scikit-learn bridge: net-benefit / utility scorers and multiclass Bayes decisions."""

import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import TunedThresholdClassifierCV

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.integrations.sklearn import (
    bayes_decision,
    make_net_benefit_scorer,
    make_utility_scorer,
    net_benefit_score,
)

GRID = np.linspace(0.02, 0.98, 49)


@pytest.fixture(scope="module")
def calibrated_data():
    # logistic truth: a logistic regression is calibrated for it
    rng = np.random.default_rng(0)
    n = 5000
    X = rng.normal(size=(n, 2))
    p = 1 / (1 + np.exp(-(-1 + 2 * X[:, 0] + X[:, 1])))
    y = (rng.random(n) < p).astype(int)
    return X, y


def test_net_benefit_scorer_tunes_threshold_near_bayes_optimal(calibrated_data):
    # decision theory: with calibrated risks the net benefit at pt is maximised by treating
    # when risk >= pt, so the tuned threshold should be near pt = H / (B + H) = 0.3
    X, y = calibrated_data
    pt = dk.threshold.optimal_threshold(benefit=7, harm=3)
    tuned = TunedThresholdClassifierCV(
        LogisticRegression(), scoring=make_net_benefit_scorer(pt), thresholds=GRID, cv=3
    ).fit(X, y)
    assert tuned.best_threshold_ == pytest.approx(pt, abs=0.05)


def test_utility_scorer_tunes_threshold_near_matrix_threshold(calibrated_data):
    # utility matrix (rows actual, columns decision) with B = 0.7, H = 0.3 -> pt = 0.3
    X, y = calibrated_data
    u = [[1.0, 0.7], [0.0, 0.7]]
    pt = dk.threshold.threshold_from_matrix(u)
    tuned = TunedThresholdClassifierCV(
        LogisticRegression(), scoring=make_utility_scorer(u), thresholds=GRID, cv=3
    ).fit(X, y)
    assert tuned.best_threshold_ == pytest.approx(pt, abs=0.05)


def test_net_benefit_score_equals_decision_curve_value():
    # the same definition as dk.threshold.decision_curve: TP/n - FP/n * pt/(1-pt)
    rng = np.random.default_rng(1)
    risk = rng.uniform(size=300)
    y = (rng.random(300) < risk).astype(int)
    dc = dk.threshold.decision_curve(y, {"m": risk}, thresholds=[0.25])
    expected = dc.at(0.25).query("model == 'm'")["net_benefit"].iloc[0]
    assert net_benefit_score(y, (risk >= 0.25).astype(int), threshold=0.25) == pytest.approx(
        expected
    )


def test_cost_scorer_is_minus_mean_cost():
    # confusion matrix [[TN=2, FP=1], [FN=1, TP=1]], costs FP=1, FN=4 -> mean cost 5/5
    scorer = make_utility_scorer(cost_matrix=[[0, 1], [4, 0]])

    class Fixed(ClassifierMixin, BaseEstimator):
        classes_ = np.array([0, 1])

        def predict(self, X):
            return np.array([0, 0, 1, 0, 1])

    assert scorer(Fixed(), None, np.array([0, 0, 0, 1, 1])) == pytest.approx(-1.0)


def test_bayes_decision_minimises_expected_cost_multiclass():
    # hand computation: expected cost = proba @ C
    proba = np.array([[0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.34, 0.33, 0.33]])
    cost = np.array([[0, 1, 1], [5, 0, 1], [10, 2, 0]])
    res = bayes_decision(proba, cost, classes=["a", "b", "c"])
    expected = proba @ cost
    np.testing.assert_allclose(res.expected_cost, expected)
    assert res.labels.tolist() == ["b", "c", "c"]
    assert res.to_frame().query("chosen")["action"].tolist() == ["b", "c", "c"]


def test_bayes_decision_allows_more_actions_than_classes():
    # a "refer" action with a flat cost 0.4 wins when the class is uncertain
    proba = np.array([[0.5, 0.5], [0.95, 0.05]])
    cost = np.array([[0, 1, 0.4], [1, 0, 0.4]])
    res = bayes_decision(proba, cost, actions=["no", "treat", "refer"])
    assert res.labels.tolist() == ["refer", "no"]


def test_bayes_decision_binary_reproduces_threshold_rule():
    # binary costs FP = 1, FN = 4: choose class 1 when P(1) > 1 / (1 + 4)
    p1 = np.linspace(0.01, 0.99, 99)
    res = bayes_decision(np.column_stack([1 - p1, p1]), [[0, 1], [4, 0]])
    np.testing.assert_array_equal(res.labels, (p1 > 0.2).astype(int))


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        ([[[0.5, 0.6]], [[0, 1], [1, 0]]], {}, "rows sum to 1"),
        ([[[1.2, -0.2]], [[0, 1], [1, 0]]], {}, "rows sum to 1"),
        ([[[0.5, 0.5]], [[0, 1, 1], [1, 0, 1], [1, 1, 0]]], {}, "2 rows"),
        ([[[np.nan, 0.5]], [[0, 1], [1, 0]]], {}, "NaN"),
        ([[[0.5, 0.5]], [[0, 1], [1, 0]]], {"classes": [0, 1, 2]}, "2 class labels"),
    ],
)
def test_bayes_decision_rejects_bad_input(args, kwargs, fragment):
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        bayes_decision(*args, **kwargs)


@pytest.mark.parametrize(
    ("factory", "kwargs", "fragment"),
    [
        (make_net_benefit_scorer, {"threshold": 1.0}, "'threshold'"),
        (make_utility_scorer, {}, "exactly one"),
        (make_utility_scorer, {"utility_matrix": [[1, 0, 0], [0, 1, 0]]}, "square"),
        (make_utility_scorer, {"utility_matrix": [[1, 0], [0, 1]], "labels": [1]}, "labels"),
    ],
)
def test_scorer_factories_reject_bad_input(factory, kwargs, fragment):
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        factory(**kwargs)


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        # issue 18 item 11: one prediction was broadcast over four patients (returned 0.0)
        (([1, 1, 0, 0], [1]), {"threshold": 0.5}, "inconsistent numbers of samples"),
        (([1, 0], [1, 0]), {"threshold": 1}, "'threshold' parameter"),  # was -inf
        (([1, 0], [1, 0]), {"threshold": -0.1}, "'threshold' parameter"),
        (([1, 0], [1, 0]), {"threshold": 0.1, "harm": -1}, "'harm' parameter"),
        (([], []), {"threshold": 0.1}, "'y_true' parameter"),
        (([1, 0], [1, 0]), {"threshold": 0.1, "pos_label": 2}, "'pos_label' parameter"),
        (([1, 0], [1, 0]), {"threshold": 0.1, "sample_weight": [-1, 1]}, "Negative values"),
    ],
)
def test_net_benefit_score_refuses_bad_input(args, kwargs, fragment):
    from decisionkit.exceptions import ValidationError
    from decisionkit.integrations.sklearn import net_benefit_score

    with pytest.raises(ValidationError, match=fragment):
        net_benefit_score(*args, **kwargs)
