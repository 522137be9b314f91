"""Example 04, *How many ICU beds tomorrow?*, run in --fast mode (bundled posterior).

The closed form checked is the newsvendor solution (Arrow, Harris & Marschak 1951): with
shortage cost 10,000 and idle cost 2,000 the expected-cost optimum is the smallest capacity
whose predictive CDF reaches 10,000 / 12,000 = 0.8333.
"""

import pytest

pytestmark = pytest.mark.slow  # runs the example end to end: 30-90 s on 2 cores


@pytest.fixture(scope="module")
def run04(example_runner):
    return example_runner("04_icu_beds.py")


def test_recommends_21_beds_for_new_years_day(run04):
    # narrative: "Hold 21 staffed beds open for Thursday's new admissions"
    assert run04.recommendation.startswith(
        "hold 21 staffed ICU beds for new admissions on 2026-01-01"
    )


def test_critical_fractile_is_shortage_over_total_cost(run04):
    assert run04.number("critical_fractile") == pytest.approx(10_000 / 12_000, abs=1e-4)


def test_expected_cost_plan_is_the_critical_fractile_quantile(run04):
    assert run04.number("beds") == run04.number("fractile_beds")


def test_cvar_plan_holds_more_beds_and_shortages_are_rarer(run04):
    # narrative: "about 25 beds, cutting the chance of a shortage to about 4%"
    assert run04.number("cvar_beds") == 25
    assert run04.number("cvar_prob_shortage") < run04.number("prob_shortage")
    assert run04.number("cvar_expected_cost") > run04.number("expected_cost")


def test_shortage_probability_is_below_one_minus_the_fractile(run04):
    # P(D > c*) <= 1 - 0.8333 by the definition of the fractile quantile
    assert run04.number("prob_shortage") <= 1 - 10_000 / 12_000 + 1e-9


def test_expected_demand_tomorrow_is_about_16_5(run04):
    # generating process (load_admissions docstring): 14 * exp(gamma_Thu + 0.08 * 2) with
    # gamma centred; the narrative states "expected 16.5 admissions"
    assert run04.number("demand_mean") == pytest.approx(16.5, abs=0.5)


def test_better_parameters_are_worth_under_one_percent_of_the_cost(run04):
    # narrative: "about £100 a day, under 1% of the expected cost"
    assert 0 < run04.number("value_of_parameters") < 0.01 * run04.number("expected_cost")


def test_writes_every_figure(run04):
    assert run04.figures == ["capacity_plan.png", "forecast.png"]
