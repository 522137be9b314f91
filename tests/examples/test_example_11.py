"""Example 11 (prediction model VOI) runs in --fast mode and prints what its narrative says."""

from __future__ import annotations

import pytest

FIGURES = ["11_decision_curve_voi.png", "11_evsi_by_sample_size.png"]

pytestmark = pytest.mark.slow  # runs the example end to end: 20-60 s on 2 cores


@pytest.fixture(scope="module")
def run(example_runner):
    return example_runner("11_prediction_model_voi.py", timeout=180)


def test_recommends_adopting_the_score_without_more_validation(run):
    assert run.recommendation.startswith(
        "adopt the risk score at the 10% statin threshold without a further validation study"
    )


def test_score_beats_both_defaults_at_ten_percent(run):
    # Narrative: "beats both defaults in almost every bootstrap draw"
    key = run.numbers()
    assert key["nb_model"] > key["nb_treat_all"] > 0
    assert key["prob_model_best"] > 0.95


def test_evpi_at_ten_percent_is_a_fraction_of_a_true_positive_per_10000(run):
    # Narrative: "a fraction of a true positive per 10,000 patients"; EVPI is never negative
    key = run.numbers()
    assert 0 <= key["evpi_per_10000"] < 1


def test_remaining_uncertainty_sits_at_high_thresholds(run):
    # Narrative: "sits at thresholds of 25-40%", and a 1,000-patient study recovers "most of
    # the EVPI" there; EVSI can never exceed the EVPI
    key = run.numbers()
    assert 0.25 <= key["worst_threshold"] <= 0.40
    assert key["max_evpi_per_10000"] > 5
    assert 0.5 * key["max_evpi_per_10000"] < key["evsi_1000_per_10000"] <= key["max_evpi_per_10000"]


def test_writes_every_figure(run):
    assert run.figures == sorted(FIGURES)
