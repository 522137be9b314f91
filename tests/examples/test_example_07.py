"""Example 07, *Should the NHS fund a new cancer drug?*, run in --fast mode.

The data are simulated by ``dk.datasets.load_oncology_trial`` (Weibull time to progression,
log-logistic survival after progression), so the checks are against what the example's
narrative states from its full run (4,000 draws) and against the simulation's design.
"""

import re

import pytest


@pytest.fixture(scope="module")
def run07(example_runner):
    return example_runner("07_oncology_partitioned_survival.py", timeout=180)


def test_weibull_has_the_lowest_aic_for_both_endpoints(run07):
    # time to progression is Weibull by design; OS (progression then log-logistic) is
    # closest to Weibull / generalised gamma within the 3-year follow-up
    assert run07.key["best_pfs"] == "weibull"
    assert run07.key["best_os"] == "weibull"


def test_icer_is_near_the_full_run_value(run07):
    # narrative (full run): ICER about 54,000 GBP/QALY with Weibull OS; 600 draws in --fast
    assert run07.number("icer") == pytest.approx(54_000, rel=0.1)


def test_os_extrapolation_moves_the_icer_across_the_threshold(run07):
    # narrative: from about 47,000 (exponential / log-normal tails) to 58,000 (Gompertz)
    assert run07.number("icer_min") < 50_000 < run07.number("icer_max")


def test_aic_average_lies_within_the_single_model_icers(run07):
    # a mixture of the fits: its ICER sits between the extremes (about 53,000, full run)
    assert run07.number("icer_min") < run07.number("icer_average") < run07.number("icer_max")


def test_os_extrapolation_has_the_largest_evppi(run07):
    assert run07.key["top_evppi"] == "OS_extrapolation"
    assert run07.number("evppi_os") > 3 * run07.number("evppi_costs")
    assert run07.number("evppi_os") <= run07.number("evpi") + 1


def test_recommendation_agrees_with_the_icer(run07):
    icer = float(re.search(r"ICER ([\d,]+) GBP/QALY", run07.recommendation)[1].replace(",", ""))
    assert icer == pytest.approx(run07.number("icer"), abs=1)
    fund = not run07.recommendation.startswith("do not fund")
    assert fund == (icer < 50_000)


def test_writes_every_figure(run07):
    assert run07.figures == sorted(
        [
            "os_extrapolations.png",
            "occupancy_new_drug.png",
            "psm_curves.png",
            "ceac.png",
            "evppi.png",
        ]
    )
