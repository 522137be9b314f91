"""Chancellor HIV model (Briggs, Claxton & Sculpher 2006, Ex 2.5) as a microsimulation."""

import numpy as np
import pytest
from microsim_published import (
    HIV_COST,
    HIV_COST_HEALTH,
    HIV_COST_LAMI,
    HIV_COST_ZIDO,
    HIV_CYCLES,
    HIV_DISCOUNT_COST,
    HIV_LY,
    HIV_MONO,
    hiv_comb_matrix,
)

from decisionkit.models.simulation import Microsimulation

N = 40_000


def hiv_microsimulation() -> Microsimulation:
    # heemod's conventions through the MarkovModel keywords: membership counted at the end of
    # each cycle, model time 1..20 passed to the callables, costs discounted from the first
    # cycle at 6% (two components), life years undiscounted.
    def transition(params, t, strategy):
        return HIV_MONO if strategy == "mono" else hiv_comb_matrix(t)

    def drugs(params, t, strategy):
        lami = HIV_COST_LAMI if strategy == "comb" and t <= 2 else 0.0
        return np.array([1.0, 1.0, 1.0, 0.0]) * (HIV_COST_ZIDO + lami)

    return Microsimulation(
        ["A", "B", "C", "D"],
        strategies=["mono", "comb"],
        transition=transition,
        cost_components={"health": HIV_COST_HEALTH, "drugs": drugs},
        state_utilities=[1.0, 1.0, 1.0, 0.0],
        n_cycles=HIV_CYCLES,
        discount_cost={"health": HIV_DISCOUNT_COST, "drugs": HIV_DISCOUNT_COST},
        discount_effect=0.0,
        discount_life_years=0.0,
        discount_first_cycle=True,
        model_time="cycle",
        within_cycle="end",
        dead="D",
    )


@pytest.fixture(scope="module")
def hiv_runs():
    sim = hiv_microsimulation()
    return (
        sim.run(population=N, random_seed=2006),
        sim.run(population=N, random_seed=2006, common_random_numbers=False),
    )


def test_hiv_microsimulation_agrees_with_published_totals_within_3_mcse(hiv_runs):
    # Briggs et al. (2006) Ex 2.5: costs 44,663.45 / 50,601.65, life years 7.99121 / 8.93739.
    summary = hiv_runs[0].summary().set_index("strategy")
    for s in ("mono", "comb"):
        assert abs(summary.loc[s, "cost"] - HIV_COST[s]) <= 3 * summary.loc[s, "cost_mcse"]
        assert (
            abs(summary.loc[s, "life_years"] - HIV_LY[s]) <= 3 * summary.loc[s, "life_years_mcse"]
        )


def test_hiv_increments_agree_with_published_within_3_mcse(hiv_runs):
    inc = hiv_runs[0].incremental("mono").iloc[0]
    d_cost = HIV_COST["comb"] - HIV_COST["mono"]
    d_ly = HIV_LY["comb"] - HIV_LY["mono"]
    assert abs(inc["delta_cost"] - d_cost) <= 3 * inc["delta_cost_mcse"]
    assert abs(inc["delta_life_years"] - d_ly) <= 3 * inc["delta_life_years_mcse"]


def test_common_random_numbers_shrink_the_increment_mcse(hiv_runs):
    # Stout & Goldie (2008): paired streams make the increment's variance
    # s_a^2 + s_b^2 - 2 s_ab instead of s_a^2 + s_b^2. For this model the ratio of the
    # MCSE of the life-year increment (independent / common) is 2.7 (variance ratio 7.5) and
    # of the cost increment 2.2 (seed 2006, 40,000 individuals).
    crn, independent = (r.incremental("mono").iloc[0] for r in hiv_runs)
    ratio_ly = independent["delta_life_years_mcse"] / crn["delta_life_years_mcse"]
    ratio_cost = independent["delta_cost_mcse"] / crn["delta_cost_mcse"]
    assert ratio_ly > 2.5
    assert ratio_cost > 1.8
    # both estimate the same increment
    diff = abs(crn["delta_life_years"] - independent["delta_life_years"])
    assert diff < 3 * np.hypot(crn["delta_life_years_mcse"], independent["delta_life_years_mcse"])


def test_the_cohort_run_of_the_same_specification_is_exact():
    # Briggs et al. (2006): the cohort run of the very specification simulated above.
    res = hiv_microsimulation().to_cohort().run({}).mean().set_index("strategy")
    for s in ("mono", "comb"):
        assert res.loc[s, "cost"] == pytest.approx(HIV_COST[s], abs=0.01)
        assert res.loc[s, "life_years"] == pytest.approx(HIV_LY[s], abs=1e-5)


def test_independent_streams_still_agree_with_published_within_3_mcse(hiv_runs):
    summary = hiv_runs[1].summary().set_index("strategy")
    for s in ("mono", "comb"):
        assert (
            abs(summary.loc[s, "life_years"] - HIV_LY[s]) <= 3 * summary.loc[s, "life_years_mcse"]
        )
