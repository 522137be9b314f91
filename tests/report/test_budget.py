import numpy as np
import pytest
from _models import alive_dead_run

from decisionkit.exceptions import ValidationError
from decisionkit.report import (
    annual_costs_from_trace,
    budget_impact,
    eligible_population,
    market_shares_with,
)


def test_constant_population_step_uptake_matches_the_formula():
    # hand computation (Sullivan et al. 2014): N = 1000 patients every year; without: all on
    # Old (cost 100); with: New takes 30% from year 1 (step), cost 400 per patient-year.
    # BI_y = N * 0.3 * (400 - 100) = 90,000 each year; cumulative = 90,000 * y.
    res = budget_impact(
        np.full(5, 1000.0),
        {"Old": 1.0},
        market_shares_with({"Old": 1.0}, new="New", uptake=0.3, years=5),
        {"Old": 100.0, "New": 400.0},
    )
    s = res.summary
    np.testing.assert_allclose(s["impact"], 90_000.0, rtol=1e-12)
    np.testing.assert_allclose(s["cumulative"], 90_000.0 * np.arange(1, 6), rtol=1e-12)
    np.testing.assert_allclose(s["budget_without"], 100_000.0, rtol=1e-12)
    np.testing.assert_allclose(s["budget_with"], 1000 * (0.7 * 100 + 0.3 * 400), rtol=1e-12)


def test_cumulative_is_the_sum_of_annual_impacts_with_psa_draws():
    rng = np.random.default_rng(1)
    years = 4
    costs = {"Old": rng.gamma(100, 10, (200, years)), "New": rng.gamma(100, 30, (200, years))}
    res = budget_impact(
        eligible_population(50_000, years=years, prevalence=0.02, growth=0.05),
        {"Old": 1.0},
        market_shares_with({"Old": 1.0}, new="New", uptake=[0.1, 0.2, 0.3, 0.4], years=years),
        costs,
    )
    s = res.summary
    np.testing.assert_allclose(s["cumulative"], np.cumsum(s["impact"]), rtol=1e-12)
    np.testing.assert_allclose(res.cumulative[:, -1], res.impact.sum(axis=1), rtol=1e-12)
    assert (s["impact_lower"] < s["impact"]).all() and (s["impact"] < s["impact_upper"]).all()
    assert len(res.to_frame()) == 200 * years
    assert "undiscounted" in repr(res)


def test_eligible_population_grows_geometrically():
    # N_y = f * P0 * (1 + g)^(y - 1) * (prevalence + incidence)
    pop = eligible_population(
        1e6, years=3, prevalence=0.01, incidence=0.002, eligible=0.5, growth=0.02
    )
    np.testing.assert_allclose(pop, 0.5 * 1e6 * 1.02 ** np.arange(3) * 0.012)


def test_displacement_takes_share_from_the_named_strategy():
    with_ = market_shares_with(
        {"A": 0.6, "B": 0.4}, new="N", uptake=[0.1, 0.2], years=2, displaces={"B": 1.0}
    )
    np.testing.assert_allclose(with_["A"], [0.6, 0.6])
    np.testing.assert_allclose(with_["B"], [0.3, 0.2])
    np.testing.assert_allclose(with_["N"], [0.1, 0.2])
    proportional = market_shares_with({"A": 0.6, "B": 0.4}, new="N", uptake=0.5, years=1)
    np.testing.assert_allclose([proportional["A"][0], proportional["B"][0]], [0.3, 0.2])


def test_costs_from_a_markov_trace_equal_the_trace_times_state_costs():
    # two-state model, death probability 0.1 a year: alive proportion 0.9^t at the start of
    # year t+1, so the year-(t+1) cost is 1000 * 0.9^t
    res = alive_dead_run(6)
    costs = annual_costs_from_trace(res, [1000.0, 0.0], years=5)
    np.testing.assert_allclose(costs["Care"], np.tile(1000 * 0.9 ** np.arange(5), (2, 1)))
    mean = annual_costs_from_trace(res, {"Care": [1000.0, 0.0]}, years=5, per_draw=False)
    np.testing.assert_allclose(mean["Care"][0], 1000 * 0.9 ** np.arange(5))


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"shares_with": {"Old": 0.7, "New": 0.2}}, "sum to 0.9 in year 1"),
        ({"population": [100.0, -5.0]}, "Year 2 has -5"),
        ({"costs": {"Old": 1.0}}, "Missing: \\['New'\\]"),
        ({"shares_without": {"Old": 1.5}}, "shares_without\\['Old'\\]"),
    ],
)
def test_bad_budget_inputs_name_the_problem(kwargs, fragment):
    args = {
        "population": [100.0, 100.0],
        "shares_without": {"Old": 1.0},
        "shares_with": {"Old": 0.5, "New": 0.5},
        "costs": {"Old": 1.0, "New": 2.0},
        **kwargs,
    }
    with pytest.raises(ValidationError, match=fragment):
        budget_impact(args.pop("population"), **args)


def test_uptake_larger_than_the_displaced_share_is_refused():
    with pytest.raises(ValidationError, match="takes more share from 'B'"):
        market_shares_with({"A": 0.9, "B": 0.1}, new="N", uptake=0.5, years=1, displaces={"B": 1.0})


def test_negative_population_in_eligible_population_is_refused():
    with pytest.raises(ValidationError, match="'population'"):
        eligible_population(-1, years=2, prevalence=0.1)


def test_costs_from_trace_accept_costs_that_change_over_time():
    # a drug costing 500 a year for the first two cycles only, on top of 1000 while alive
    res = alive_dead_run(4)
    costs = annual_costs_from_trace(
        res, lambda cycle, s: [1000.0 + (500.0 if cycle < 2 else 0.0), 0.0], years=3
    )
    np.testing.assert_allclose(costs["Care"][0], [1500.0, 1500 * 0.9, 1000 * 0.81])
