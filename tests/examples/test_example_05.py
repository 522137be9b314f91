"""Example 05 (screening threshold) runs in --fast mode and prints what its narrative says."""

from __future__ import annotations

import pytest

FIGURES = [
    "05_risk_by_diagnosis.png",
    "05_decision_curve.png",
    "05_tuned_vs_bayes_threshold.png",
]
N_TEST, N_TEST_CANCERS = 228, 85  # 40% stratified split of 569 aspirates, 212 malignant


pytestmark = pytest.mark.slow  # runs the example end to end: 30-90 s on 2 cores


@pytest.fixture(scope="module")
def run(example_runner):
    """Run the example once in --fast mode; return (stdout, output folder, KEY numbers)."""
    result = example_runner("05_screening_threshold.py", timeout=180)
    return result.stdout, result.output, result.numbers()


def test_prints_the_biopsy_rule(run):
    stdout, _, _ = run
    lines = [line for line in stdout.splitlines() if line.startswith("RECOMMENDATION: ")]
    assert len(lines) == 1
    assert lines[0].startswith(
        "RECOMMENDATION: biopsy when the predicted probability of malignancy is at least 5%: "
    )


def test_bayes_threshold_is_one_twentieth(run):
    # Cost matrix [[0, 1], [20, 1]]: B = 20 - 1 = 19, H = 1 - 0 = 1, threshold
    # H / (B + H) = 1/20 (Pauker and Kassirer 1980; Elkan 2001).
    _, _, key = run
    assert key["bayes_threshold"] == pytest.approx(0.05, abs=5e-4)


def test_five_percent_rule_catches_at_least_95_percent_of_cancers(run):
    # Narrative: "catches at least 95% of the cancers" and "biopsies about half of the women
    # (against 37 per 100 who have cancer)". Biopsies cannot be fewer than the cancers caught.
    _, _, key = run
    assert key["sensitivity"] >= 0.95
    caught_per_100 = 100 * key["sensitivity"] * N_TEST_CANCERS / N_TEST
    assert caught_per_100 <= key["biopsy_per_100"] <= 60


def test_five_percent_rule_costs_about_half_of_biopsy_all(run):
    # Narrative: "costs about half as much as biopsying every woman" (biopsy all costs exactly
    # 1 per woman under the cost matrix), and the model beats biopsy-all on the decision curve.
    _, _, key = run
    assert key["cost_biopsy_all"] == pytest.approx(1.0)
    assert 0.4 <= key["cost_bayes"] <= 0.7
    assert key["nb_model"] > key["nb_biopsy_all"] > 0
    assert key["useful_low"] <= 0.05 <= key["useful_high"]


def test_tuned_threshold_lands_in_the_low_region_with_the_bayes_threshold(run):
    # Narrative: the thresholds tuned by cross-validation land at a few percent (1% to 6.5%
    # over five fold splits), far below predict()'s 0.5; where they differ from 5% the test
    # cost differs by at most about two missed cancers (2 x 20 / 228 = 0.18 per woman).
    _, _, key = run
    assert 0 < key["tuned_threshold"] <= 0.10
    assert abs(key["cost_tuned"] - key["cost_bayes"]) <= 2 * 20 / N_TEST


def test_evpi_is_about_one_biopsy_per_100_women(run):
    # Narrative: "about one biopsy equivalent per 100 women" (0.9 with --fast, 1.0 in full
    # mode); EVPI is never negative.
    _, _, key = run
    assert 0 < key["evpi_per_100"] < 2


def test_writes_every_figure(run):
    _, out, _ = run
    assert sorted(p.name for p in out.glob("*.png")) == sorted(FIGURES)
