"""Tests for decisionkit.models.cohort.tree (decision trees rolled back over draws)."""

import numpy as np
import pandas as pd
import pytest

from decisionkit import OutcomeDistribution
from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort.tree import COMPLEMENT, Chance, DecisionTree, Terminal


def hand_tree():
    treat = Chance(
        "Response",
        [
            (0.6, Terminal("Responds", cost=500.0, qaly=1.0)),
            (
                "rest",
                Chance(
                    "Side effects",
                    [
                        (0.2, Terminal("Severe", cost=2000.0, qaly=0.3)),
                        (COMPLEMENT, Terminal("Mild", cost=800.0, qaly=0.5)),
                    ],
                ),
            ),
        ],
        payoffs={"cost": 100.0},
    )
    return DecisionTree({"Treat": treat, "Watch": Terminal("Watch", cost=0.0, qaly=0.6)})


def test_fixed_probability_tree_matches_hand_calculation():
    # Hand roll-back (Hunink et al. 2014, ch. 3):
    # qaly = 0.6*1.0 + 0.4*(0.2*0.3 + 0.8*0.5) = 0.784
    # cost = 100 + 0.6*500 + 0.4*(0.2*2000 + 0.8*800) = 816
    ev = hand_tree().expected_values({"unused": 0.0}).set_index("strategy")
    assert ev.loc["Treat", "qaly"] == pytest.approx(0.784)
    assert ev.loc["Treat", "cost"] == pytest.approx(816.0)
    assert ev.loc["Watch", "qaly"] == pytest.approx(0.6)


def test_probabilities_and_payoffs_from_parameter_draws():
    # Per draw: qaly = p * u + (1 - p) * 0.2, cost = c_drug (closed form of a 2-branch node).
    params = pd.DataFrame({"p": [0.1, 0.5, 0.9], "u": [0.9, 0.8, 0.7], "c_drug": [10, 20, 30.0]})
    tree = DecisionTree(
        {
            "Drug": Chance(
                "Cure",
                [
                    ("p", Terminal("Cured", cost="c_drug", qaly="u")),
                    ("rest", Terminal("Not cured", cost=lambda d: d["c_drug"], qaly=0.2)),
                ],
            ),
            "None": Terminal("None", cost=0.0, qaly=0.2),
        }
    )
    out = tree.evaluate(params)
    qaly = out["qaly"].sel(action="Drug").to_numpy()
    np.testing.assert_allclose(qaly, params["p"] * params["u"] + (1 - params["p"]) * 0.2)
    np.testing.assert_allclose(out["cost"].sel(action="Drug"), params["c_drug"])


def test_callable_probability_receives_parameter_arrays():
    # Odds ratio applied to a baseline probability: p1 = or*p0 / (1 - p0 + or*p0).
    params = pd.DataFrame({"p0": [0.2, 0.4], "odds_ratio": [2.0, 0.5]})

    def p_treated(d):
        return d["odds_ratio"] * d["p0"] / (1 - d["p0"] + d["odds_ratio"] * d["p0"])

    tree = DecisionTree(
        {
            "A": Chance(
                "Event",
                [(p_treated, Terminal("Y", events=1.0)), (COMPLEMENT, Terminal("N", events=0.0))],
            ),
            "B": Chance(
                "Event",
                [("p0", Terminal("Y", events=1.0)), (COMPLEMENT, Terminal("N", events=0.0))],
            ),
        }
    )
    events = tree.evaluate(params)["events"].to_numpy()
    np.testing.assert_allclose(events[:, 0], [0.4 / (0.8 + 0.4), 0.2 / (0.6 + 0.2)])
    np.testing.assert_allclose(events[:, 1], [0.2, 0.4])


def test_evaluate_returns_outcome_distribution_with_inputs():
    params = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    out = hand_tree().evaluate(params)
    assert isinstance(out, OutcomeDistribution)
    assert out.actions == ["Treat", "Watch"]
    assert sorted(out.metrics) == ["cost", "qaly"]
    pd.testing.assert_frame_equal(out.inputs, params)
    assert out.n_draws == 3


def test_vectorised_rollback_equals_per_draw_rollback():
    rng = np.random.default_rng(4)
    params = pd.DataFrame({"p": rng.uniform(0, 1, 20), "c": rng.uniform(0, 100, 20)})
    tree = DecisionTree(
        {"S": Chance("n", [("p", Terminal("a", cost="c")), ("rest", Terminal("b", cost=5.0))])}
    )
    batch = tree.evaluate(params)["cost"].to_numpy()[:, 0]
    single = [float(tree.expected_values(params.iloc[[i]])["cost"].iloc[0]) for i in range(20)]
    np.testing.assert_allclose(batch, single)


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (
            lambda: DecisionTree(
                {
                    "T": Chance(
                        "Outcome", [(0.5, Terminal("a", cost=1.0)), (0.4, Terminal("b", cost=1.0))]
                    )
                }
            ).expected_values({"x": 0.0}),
            "chance node strategy 'T' > 'Outcome' are invalid",
        ),
        (
            lambda: DecisionTree(
                {
                    "T": Chance(
                        "Big", [(1.2, Terminal("a", cost=1.0)), ("rest", Terminal("b", cost=1.0))]
                    )
                }
            ).expected_values({"x": 0.0}),
            "'Big' are invalid in draw 0",
        ),
        (
            lambda: Chance(
                "Two rests", [("rest", Terminal("a", c=1.0)), ("rest", Terminal("b", c=1.0))]
            ),
            "at most one branch",
        ),
        (
            lambda: DecisionTree(
                {"T": Chance("n", [(1.0, Terminal("a", cost=1.0)), (0.0, Terminal("b", qaly=1.0))])}
            ),
            "Every terminal must define the same metrics",
        ),
        (
            lambda: DecisionTree(
                {"T": Chance("n", [("p_missing", Terminal("a", cost=1.0))])}
            ).expected_values({"x": 0.0}),
            "parameter 'p_missing'",
        ),
        (
            lambda: DecisionTree(
                {"T": Chance("n", [(1.0, Terminal("a", cost=1.0))], payoffs={"qaly": 1.0})}
            ),
            "payoff 'qaly' that no terminal has",
        ),
        (lambda: Chance("n", [(0.5, "leaf")]), "a Chance or Terminal"),
        (lambda: Terminal("empty"), "has no payoffs"),
        (lambda: DecisionTree({}), "non-empty dict"),
        (lambda: Terminal("x", cost=float("nan")), "finite"),
        (lambda: hand_tree().evaluate({"x": 1.0}), "at least 2 draws"),
        (
            lambda: DecisionTree({"T": Terminal("a", cost="c")}).evaluate(
                pd.DataFrame({"c": [1.0, np.nan]})
            ),
            "Parameter 'c'",
        ),
    ],
)
def test_bad_input_raises_clear_error(build, fragment):
    with pytest.raises(ValidationError) as info:
        build()
    assert fragment in str(info.value)


def test_expected_returns_strategy_metric_dict():
    ev = hand_tree().expected({"unused": 0.0})
    assert ev["Treat"] == pytest.approx({"cost": 816.0, "qaly": 0.784})
