"""Example 03, *Should we fund a trial?*, run in --fast mode (2,000 draws).

Closed form used below: with independent inputs the expected incremental net benefit of the
new drug is E[p_new - p_standard] * (WTP * E[qaly] + E[cost avoided]) - extra drug cost
= (27/62 - 19/62) * (30,000 * 0.3 + 5,000) - 2,000 = -193.5 GBP (Beta posterior means
a / (a + b) of Beta(27, 35) and Beta(19, 43)).
"""

import pytest

CLOSED_FORM_INB = (27 / 62 - 19 / 62) * (30_000 * 0.3 + 5_000) - 2_000


pytestmark = pytest.mark.slow  # runs the example end to end: 30-90 s on 2 cores


@pytest.fixture(scope="module")
def run03(example_runner):
    return example_runner("03_fund_a_trial.py")


def test_recommends_standard_care_now_and_a_trial(run03):
    assert run03.recommendation.startswith("keep Standard care for now and fund a two-arm trial")


def test_expected_incremental_net_benefit_matches_closed_form(run03):
    # sd of the INB draws is about 1,200 GBP, so the Monte-Carlo se with 2,000 draws is ~27
    assert run03.number("inb_new_vs_standard") == pytest.approx(CLOSED_FORM_INB, abs=80)


def test_new_drug_is_better_with_probability_just_over_40_percent(run03):
    assert 0.38 < run03.number("prob_new_best") < 0.48


def test_evpi_is_about_400_per_patient(run03):
    assert run03.number("evpi_per_patient") == pytest.approx(400, rel=0.15)


def test_optimal_trial_size_is_in_the_flat_range_the_narrative_states(run03):
    # narrative: "about 200 patients per arm ... anything from about 150 to 400 per arm"
    assert 150 <= run03.number("optimal_n_per_arm") <= 400


def test_trial_is_worth_more_than_it_costs(run03):
    assert run03.number("enbs") > 0
    assert run03.number("evsi_per_patient") < run03.number("evpi_per_patient")


def test_recommended_size_is_the_one_in_the_key(run03):
    assert f"with {int(run03.number('optimal_n_per_arm'))} patients per arm" in run03.recommendation


def test_writes_every_figure(run03):
    assert run03.figures == ["enbs_curve.png", "evsi_curve.png", "posterior_response.png"]
