"""Example 09, network meta-analysis of smoking cessation into a decision, run with --fast.

Published reference (NICE DSU TSD 2, random effects, same 24 trials): between-study sd
0.82 (95% CrI 0.55 to 1.27); log odds ratios against no contact 0.84 (individual
counselling) and 1.10 (group counselling), so group vs individual is about 0.26.
"""

import pytest

pytestmark = pytest.mark.slow  # runs the example end to end, like the other example tests


@pytest.fixture(scope="module")
def run09(example_runner):
    return example_runner("09_network_meta_analysis.py", timeout=600)


def test_recommends_one_kind_of_support(run09):
    assert run09.recommendation.startswith("fund ")
    assert run09.key["best"].replace("_", " ") in run09.recommendation


def test_between_study_sd_is_near_the_published_value(run09):
    # 2 x 250 draws: Monte Carlo error of the posterior mean ~0.02; the posterior sd is ~0.19
    assert run09.number("sd_between_studies") == pytest.approx(0.82, abs=0.15)


def test_group_vs_individual_counselling_is_near_the_published_value(run09):
    # posterior sd of this contrast is ~0.4 (TSD 2); allow half of it for the short run
    assert run09.number("lor_group_vs_individual") == pytest.approx(0.26, abs=0.2)


def test_evppi_of_the_relative_effects_is_bounded_by_evpi(run09):
    assert 0 <= run09.number("evppi_relative_effects") <= run09.number("evpi") * 1.05
    assert 0 < run09.number("p_best") <= 1


def test_figures_are_written(run09):
    assert run09.figures == ["ceac.png", "forest.png", "network.png", "ranks.png"]


def test_head_to_head_trial_evsi_is_bounded_and_shrunk_by_heterogeneity(run09):
    # EVSI of a trial <= EVPPI of the effects it informs (both regression estimates, so allow
    # their noise); with a between-study sd ~0.8 the trial reveals its own effect, not the
    # mean effect, so it is worth less than the same trial without heterogeneity
    ceiling = run09.number("evppi_counselling")
    common = run09.number("evsi_trial_common_effect")
    assert 0 <= run09.number("evsi_trial") < common <= ceiling * 1.05
    assert common > 0.5 * ceiling  # 1,000 per arm measure the counselling contrast well
