import re

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError

WTP = 20_000.0
BASE = {"drug_cost": 500.0, "gain": 0.05}


def model(p):
    """Closed form: NMB(New) - NMB(Old) = wtp * gain - (drug_cost - 100)."""
    return {
        "Old": {"cost": 100.0, "qaly": 1.0},
        "New": {"cost": p["drug_cost"], "qaly": 1.0 + p["gain"]},
    }


def draws_model(p):
    """Same model as an OutcomeDistribution with symmetric noise (the means are exact)."""
    noise = np.array([-1.0, 1.0])[:, None] * np.array([[10.0, 20.0]])
    cost = np.array([[100.0, p["drug_cost"]]]) + noise
    qaly = np.array([[1.0, 1.0 + p["gain"]]]) + noise / 1000
    return dk.OutcomeDistribution.from_arrays({"cost": cost, "qaly": qaly}, actions=["Old", "New"])


RANGES = {"drug_cost": (300.0, 900.0), "gain": (0.01, 0.1)}


def test_one_way_frame_has_nmb_from_closed_form():
    res = dk.sensitivity.one_way(model, BASE, RANGES, wtp=WTP, n_points=3)
    f = res.to_frame()
    row = f[(f.parameter == "drug_cost") & (f.value == 900.0) & (f.strategy == "New")]
    # NMB = 20,000 * 1.05 - 900
    assert row["nmb"].item() == pytest.approx(20_100.0)
    assert len(f) == 2 * 3 * 2  # parameters x points x strategies


def test_one_way_accepts_outcome_distribution_models():
    a = dk.sensitivity.one_way(model, BASE, RANGES, wtp=WTP, n_points=3).to_frame()
    b = dk.sensitivity.one_way(draws_model, BASE, RANGES, wtp=WTP, n_points=3).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_tornado_ranks_parameters_by_swing():
    # hand calculation for New: gain 0.01..0.1 -> NMB 19,700..21,500 (swing 1,800);
    # drug_cost 300..900 -> NMB 20,700..20,100 (swing 600)
    t = dk.sensitivity.one_way(model, BASE, RANGES, wtp=WTP).tornado()
    assert t["parameter"].tolist() == ["gain", "drug_cost"]
    np.testing.assert_allclose(t["swing"], [1800.0, 600.0])
    np.testing.assert_allclose(t["base"], 20_000 * 1.05 - 500)
    np.testing.assert_allclose(t.loc[1, ["outcome_low", "outcome_high"]], [20_700.0, 20_100.0])


def test_tornado_default_strategy_is_base_optimum():
    res = dk.sensitivity.one_way(model, BASE, RANGES, wtp=WTP)
    assert res.base_optimal == "New"
    assert res.tornado().attrs["strategy"] == "New"


def test_one_way_optimal_switches_at_closed_form_break_even():
    # New optimal iff drug_cost < 100 + 20,000 * 0.05 = 1,100
    res = dk.sensitivity.one_way(model, BASE, {"drug_cost": (600.0, 1600.0)}, wtp=WTP)
    opt = res.optimal()
    expected = np.where(opt["value"] < 1100.0, "New", "Old")
    assert opt["strategy"].tolist() == expected.tolist()


def test_two_way_optimal_region_matches_closed_form():
    xs = np.linspace(200, 2000, 7)
    ys = np.linspace(0.0, 0.1, 5)
    res = dk.sensitivity.two_way(model, BASE, "drug_cost", xs, "gain", ys, wtp=WTP)
    grid = res.optimal()
    expected = np.where(WTP * ys[:, None] > xs[None, :] - 100, "New", "Old")
    assert (grid.to_numpy() == expected).all()
    assert grid.index.name == "gain" and grid.columns.name == "drug_cost"


def test_break_even_equals_closed_form():
    res = dk.sensitivity.break_even(model, BASE, "drug_cost", (0.0, 5000.0), wtp=WTP)
    assert res.value == pytest.approx(100 + WTP * 0.05, abs=1e-6)
    assert set(res.strategies) == {"New", "Old"}
    # at break-even both strategies have NMB 20,000 * 1 - 100
    assert res.outcome_value == pytest.approx(19_900.0)


def test_break_even_with_named_strategies_on_effect_parameter():
    # gain* = (drug_cost - 100) / wtp = 400 / 20,000 = 0.02
    res = dk.sensitivity.break_even(
        model, BASE, "gain", (0.0, 1.0), wtp=WTP, strategies=("New", "Old")
    )
    assert float(res) == pytest.approx(0.02, abs=1e-9)


def test_break_even_no_sign_change_raises():
    with pytest.raises(ValidationError, match="optimal strategy does not change"):
        dk.sensitivity.break_even(model, BASE, "drug_cost", (0.0, 1000.0), wtp=WTP)
    with pytest.raises(ValidationError, match="same sign"):
        dk.sensitivity.break_even(
            model, BASE, "drug_cost", (0.0, 1000.0), wtp=WTP, strategies=["New", "Old"]
        )


def test_nhb_outcome_is_effect_minus_cost_over_wtp():
    res = dk.sensitivity.one_way(model, BASE, RANGES, wtp=WTP, outcome="nhb", n_points=2)
    base = res.base.set_index("strategy")["nhb"]
    assert base["New"] == pytest.approx(1.05 - 500 / WTP)


def test_cost_outcome_prefers_lower_cost():
    res = dk.sensitivity.one_way(model, BASE, RANGES, wtp=WTP, outcome="cost", n_points=2)
    assert res.base_optimal == "Old"


def test_summary_lists_parameters_that_flip_the_decision():
    res = dk.sensitivity.one_way(model, BASE, {"drug_cost": (600.0, 1600.0)}, wtp=WTP)
    assert "changes within the range of: ['drug_cost']" in res.summary()


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"ranges": {"price": (1, 2)}}, ValidationError, "not in 'base'"),
        ({"ranges": {"gain": (0.2, 0.1)}}, ValidationError, "low < high"),
        ({"ranges": {"gain": 0.1}}, ValidationError, "pair \\(low, high\\)"),
        ({"wtp": -1.0}, ValidationError, ">= 0"),
        ({"outcome": "icer"}, ValidationError, "'nmb'"),
        ({"outcome": "nhb", "wtp": 0.0}, ValidationError, "> 0"),
        ({"n_points": 1}, ValidationError, "n_points"),
        ({"base": {}}, ValidationError, "non-empty dict"),
    ],
)
def test_one_way_bad_arguments(kwargs, error, fragment):
    args = {"base": BASE, "ranges": RANGES, "wtp": WTP} | kwargs
    with pytest.raises(error, match=fragment):
        dk.sensitivity.one_way(model, args.pop("base"), args.pop("ranges"), **args)


@pytest.mark.parametrize(
    ("bad_model", "fragment"),
    [
        (lambda p: [1, 2], "must return an OutcomeDistribution"),
        (lambda p: {"A": {"cost": 1.0}}, "no \\['qaly'\\] entry"),
        (lambda p: {"A": (np.nan, 1.0)}, "non-finite"),
        (lambda p: {"A": "x"}, "pair \\(cost, effect\\)"),
        (
            lambda p: {"A": (1.0, 1.0)} if p["gain"] == 0.05 else {"B": (1.0, 1.0)},
            "same strategies",
        ),
    ],
)
def test_bad_model_output_raises_clear_error(bad_model, fragment):
    with pytest.raises(ValidationError, match=fragment):
        dk.sensitivity.one_way(bad_model, BASE, {"gain": (0.0, 0.1)}, wtp=WTP, n_points=2)


def test_two_way_same_parameter_twice_rejected():
    with pytest.raises(ValidationError, match="other than param_x"):
        dk.sensitivity.two_way(model, BASE, "gain", [0.1], "gain", [0.2], wtp=WTP)


# Issue 12: every error names the public function the user called (declared constraints, the
# checks in the body and the free-form messages alike), by its public path.
@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda: dk.sensitivity.one_way(5, BASE, RANGES, wtp=WTP),
            "The 'model' parameter of sensitivity.one_way must be a callable. Got 5 instead.",
        ),
        (
            lambda: dk.sensitivity.one_way(model, BASE, RANGES, wtp=WTP, n_points=1),
            "The 'n_points' parameter of sensitivity.one_way must be an integer >= 2.",
        ),
        (
            lambda: dk.sensitivity.one_way(model, BASE, {"price": (1, 2)}, wtp=WTP),
            "sensitivity.one_way: parameter 'price' is not in 'base'",
        ),
        (
            lambda: dk.sensitivity.one_way(model, BASE, {"gain": (0.2, 0.1)}, wtp=WTP),
            "The 'ranges['gain']' parameter of sensitivity.one_way must be a pair",
        ),
        (
            lambda: dk.sensitivity.one_way(lambda p: [1], BASE, RANGES, wtp=WTP),
            "sensitivity.one_way: the model returned list",
        ),
        (
            lambda: dk.sensitivity.one_way(model, BASE, RANGES, wtp=WTP).tornado("Z"),
            "The 'strategy' parameter of OneWayResult.tornado must be one of",
        ),
        (
            lambda: dk.sensitivity.two_way(model, BASE, "gain", [], "drug_cost", [1.0], wtp=WTP),
            "The 'values_x' parameter of sensitivity.two_way must be",
        ),
        (
            lambda: dk.sensitivity.two_way(
                model, BASE, "gain", [0.1], "drug_cost", [1.0], wtp=0.0, outcome="nhb"
            ),
            "The 'wtp' parameter of sensitivity.two_way must be a number > 0. Got 0.0 instead.",
        ),
        (
            lambda: dk.sensitivity.break_even(model, BASE, "gain", (0.0, 1.0), wtp=WTP, xtol=0),
            "The 'xtol' parameter of sensitivity.break_even must be a number > 0.",
        ),
        (
            lambda: dk.sensitivity.break_even(model, BASE, "drug_cost", (0.0, 1000.0), wtp=WTP),
            "sensitivity.break_even: 'New' is optimal at both ends of drug_cost",
        ),
    ],
)
def test_errors_name_the_public_function(call, fragment):
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        call()
