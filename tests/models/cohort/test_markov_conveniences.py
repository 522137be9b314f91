"""MarkovModel conveniences: discount rate per value, discount timing, model time, life tables."""

import re

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models import LifeTable
from decisionkit.models.cohort.markov import MarkovModel

# ---------------------------------------------------------------- Chancellor HIV model
# Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic Evaluation. OUP
# 2006, Example 2.5 (Chancellor et al. 1997): transition counts, annual costs (GBP),
# lamivudine in the first two years of combination therapy, relative risk 0.509; costs
# discounted at 6% from the first cycle (heemod first = TRUE), life years not discounted,
# membership counted at the end of each cycle, model time 1..20 (heemod's conventions).
COUNTS = np.array(
    [[1251, 350, 116, 17], [0, 731, 512, 15], [0, 0, 1312, 437], [0, 0, 0, 1]], dtype=float
)
MONO = COUNTS / COUNTS.sum(axis=1, keepdims=True)
RR, COST_LAMI, COST_ZIDO = 0.509, 2086.5, 2278.0
COST_HEALTH = np.array([2756.0, 3052.0, 9007.0, 0.0])
# Published totals (Briggs et al. 2006; heemod test "exactly match HIV model").
PUBLISHED_COST = {"mono": 44_663.45, "comb": 50_601.65}
PUBLISHED_LY = {"mono": 7.99121, "comb": 8.93739}


def hiv_transition(params, t, strategy):
    if strategy == "mono":
        return MONO
    p = MONO * (RR if t <= 2 else 1.0)  # t is heemod's model_time, 1..20
    p[3] = [0, 0, 0, 1]
    np.fill_diagonal(p, 0.0)
    np.fill_diagonal(p, 1 - p.sum(axis=1))
    return p


def hiv_drugs(params, t, strategy):
    lami = COST_LAMI if strategy == "comb" and t <= 2 else 0.0
    return np.array([1.0, 1.0, 1.0, 0.0]) * (COST_ZIDO + lami)


def hiv_model(**kw):
    opts = {
        "strategies": ["mono", "comb"],
        "transition": hiv_transition,
        "cost_components": {"health": COST_HEALTH, "drugs": hiv_drugs},
        "state_utilities": [1.0, 1.0, 1.0, 0.0],
        "n_cycles": 20,
        "discount_cost": {"health": 0.06, "drugs": 0.06},
        "discount_effect": 0.0,
        "discount_life_years": 0.0,
        "discount_first_cycle": True,
        "model_time": "cycle",
        "within_cycle": "end",
        "dead": "D",
    }
    opts.update(kw)
    return MarkovModel(["A", "B", "C", "D"], **opts)


def test_hiv_model_reproduces_briggs_totals_with_the_conveniences():
    res = hiv_model().run({}).mean().set_index("strategy")
    for s in ("mono", "comb"):
        assert res.loc[s, "cost"] == pytest.approx(PUBLISHED_COST[s], abs=0.01)
        assert res.loc[s, "life_years"] == pytest.approx(PUBLISHED_LY[s], abs=1e-5)


def test_cost_components_are_reported_and_sum_to_the_total():
    res = hiv_model().run({}).mean().set_index("strategy")
    total = res["cost_health"] + res["cost_drugs"]
    np.testing.assert_allclose(total, res["cost"], rtol=1e-12)
    # combination therapy adds lamivudine for two years only
    assert res.loc["comb", "cost_drugs"] > res.loc["mono", "cost_drugs"]


def test_heemod_first_false_discounts_every_cycle_one_year_less():
    # first = FALSE with counting at the end: cycle c discounted (1.06)^-(c-1), so each
    # discounted value is exactly 1.06 times its first = TRUE value (closed form).
    early = hiv_model(discount_first_cycle=False).run({}).mean()["cost"]
    late = hiv_model().run({}).mean()["cost"]
    np.testing.assert_allclose(early / late, 1.06, rtol=1e-12)


# ---------------------------------------------------------------- closed forms
def alive_model(**kw):
    """Always alive (no deaths), cost 1 a year: discounting is all there is."""
    opts = {
        "strategies": ["Only"],
        "transition": np.eye(2),
        "state_utilities": [1.0, 0.0],
        "n_cycles": 10,
        "within_cycle": "none",
        "dead": "Dead",
    }
    opts.update(kw)
    return MarkovModel(["Alive", "Dead"], **opts)


def test_an_undiscounted_component_beside_a_discounted_one():
    # Geometric series: sum_{t=0}^{9} 1.035^-t for the discounted part, 10 for the other.
    res = alive_model(
        cost_components={"drug": [1.0, 0.0], "care": [1.0, 0.0]},
        discount_cost={"drug": 0.035, "care": 0.0},
    ).run({})
    v = 1 / 1.035
    row = res.mean().iloc[0]
    assert row["cost_drug"] == pytest.approx((1 - v**10) / (1 - v), rel=1e-12)
    assert row["cost_care"] == pytest.approx(10.0, rel=1e-12)


@pytest.mark.parametrize(("method", "first"), [("none", False), ("end", True)])
def test_per_cycle_discounting_equals_time_discounting_where_they_coincide(method, first):
    # Counting at the start with first = FALSE, or at the end with first = TRUE, discounts
    # each counted point by its own time: the default.
    kw = {"state_costs": [1.0, 0.0], "within_cycle": method}
    a = alive_model(**kw).run({}).mean()["cost"][0]
    b = alive_model(discount_first_cycle=first, **kw).run({}).mean()["cost"][0]
    assert a == pytest.approx(b, rel=1e-12)


def test_half_cycle_points_take_the_mean_factor_of_the_two_cycles_they_share():
    # Closed form: interior point t shared by cycles t and t+1: (d_t + d_{t+1}) / 2 with
    # d_c = 1.035^-(c-1) (first = FALSE); end points get their one cycle's factor, weight 1/2.
    d = 1.035 ** -np.arange(10)
    expected = 0.5 * d[0] + 0.5 * d[-1] + np.sum(0.5 * (d[:-1] + d[1:]))
    res = alive_model(state_costs=[1.0, 0.0], within_cycle="half-cycle", discount_first_cycle=False)
    assert res.run({}).mean()["cost"][0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("method", "values_at", "transitions_at"),
    [
        ("end", list(range(1, 11)), list(range(1, 11))),
        ("none", list(range(1, 11)), list(range(1, 11))),
    ],
)
def test_model_time_cycle_passes_the_one_based_cycle_number(method, values_at, transitions_at):
    seen = {"value": [], "transition": []}

    def cost(params, t, s):
        seen["value"].append(t)
        return [1.0, 0.0]

    def transition(params, t, s):
        seen["transition"].append(t)
        return np.eye(2)

    alive_model(
        state_costs=cost, transition=transition, model_time="cycle", within_cycle=method
    ).run({})
    assert seen["value"] == values_at
    assert seen["transition"] == transitions_at


def test_model_time_elapsed_passes_zero_based_times():
    seen = []
    alive_model(
        state_costs=[1.0, 0.0],
        transition=lambda p, t, s: seen.append(t) or np.eye(2),
    ).run({})
    assert seen == list(range(10))


# ---------------------------------------------------------------- life tables
def life_table(rates, first_age=60):
    return LifeTable(
        pd.DataFrame({"age": np.arange(first_age, first_age + len(rates)), "rate": rates})
    )


def test_constant_life_table_rate_gives_geometric_life_years():
    # Constant hazard mu: survival per cycle q = exp(-mu); LY (counting at the start) =
    # (1 - q^n) / (1 - q).
    mu = 0.05
    res = alive_model(
        state_costs=[0.0, 0.0],
        discount_effect=0.0,
        background_mortality=life_table([mu] * 5),
        start_age=60,
    ).run({})
    q = np.exp(-mu)
    assert res.mean()["life_years"][0] == pytest.approx((1 - q**10) / (1 - q), rel=1e-12)


def test_age_bands_of_the_life_table_follow_the_cohort_age():
    # Rates per single year of age 60..69; a cohort starting at 62.5 with half-year cycles
    # dies during cycle c with 1 - exp(-H), H integrating the step function over the cycle.
    rates = np.linspace(0.01, 0.1, 10)
    table = life_table(rates)
    model = alive_model(
        state_costs=[0.0, 0.0],
        discount_effect=0.0,
        cycle_length=0.5,
        n_cycles=8,
        background_mortality=table,
        start_age=62.5,
    )
    band = lambda a: rates[int(np.floor(a)) - 60]  # noqa: E731
    surv, ly = 1.0, 0.0
    for c in range(8):
        ly += 0.5 * surv
        surv *= np.exp(-0.5 * band(62.5 + 0.5 * c))  # each half-year lies in one band
    assert model.run({}).mean()["life_years"][0] == pytest.approx(ly, rel=1e-12)


def test_background_mortality_competes_with_disease_death():
    # Disease death p and background q: survival per cycle (1 - q)(1 - p).
    p, mu = 0.1, 0.02
    res = alive_model(
        transition=np.array([[1 - p, p], [0.0, 1.0]]),
        state_costs=[0.0, 0.0],
        discount_effect=0.0,
        background_mortality=life_table([mu] * 3),
        start_age=60,
    ).run({})
    s = (1 - p) * np.exp(-mu)
    assert res.mean()["life_years"][0] == pytest.approx((1 - s**10) / (1 - s), rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"state_costs": [1.0, 0.0], "cost_components": {"a": [1.0, 0.0]}}, "not both"),
        ({"cost_components": {"a": [1.0, 0.0]}, "discount_cost": {"b": 0.0}}, "missing ['a']"),
        ({"state_costs": [1.0, 0.0], "discount_cost": {"a": 0.0}}, "needs named"),
        (
            {"state_costs": [1.0, 0.0], "discount_first_cycle": True, "within_cycle": "simpson"},
            "discount_first_cycle needs",
        ),
        ({"state_costs": [1.0, 0.0], "discount_first_cycle": 1}, "discount_first_cycle"),
        (
            {"state_costs": [1.0, 0.0], "model_time": "cycle", "within_cycle": "half-cycle"},
            "model_time='cycle'",
        ),
        ({"state_costs": [1.0, 0.0], "model_time": "years"}, "model_time"),
        (
            {"state_costs": [1.0, 0.0], "background_mortality": "table", "start_age": 60},
            "LifeTable",
        ),
        ({"state_costs": [1.0, 0.0], "background_mortality": life_table([0.01])}, "start_age"),
        (
            {
                "state_costs": [1.0, 0.0],
                "background_mortality": life_table([0.01]),
                "start_age": 40,
            },
            "below the life table",
        ),
        ({"state_costs": [1.0, 0.0], "start_age": 40}, "used with background_mortality"),
        (
            {
                "state_costs": [1.0, 0.0],
                "background_mortality": life_table([0.01]),
                "start_age": 60,
                "dead": None,
            },
            "needs a dead state",
        ),
    ],
)
def test_bad_convenience_arguments_are_rejected(kwargs, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        alive_model(**kwargs)
