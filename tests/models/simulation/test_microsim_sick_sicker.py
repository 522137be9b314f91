"""Sick-Sicker microsimulation (Krijkamp et al. 2018) against the same model run as a cohort."""

import numpy as np
import pytest
from microsim_published import sick_sicker_kwargs

from decisionkit.models import MarkovModel
from decisionkit.models.simulation import Microsimulation, compare_with_cohort, per_individual


def test_means_and_increments_within_3_mcse_of_cohort_with_100000_individuals(sick_sicker):
    # Unbiasedness: with transition rows that depend only on the state, the microsimulation
    # mean estimates the cohort value, so z = (micro - cohort) / MCSE ~ N(0, 1).
    table = compare_with_cohort(sick_sicker, population=100_000, random_seed=2018)
    assert len(table) == 9  # 2 strategies x 3 metrics + 1 increment x 3 metrics
    assert table["within_3_mcse"].all(), table


def test_cohort_run_of_the_shared_specification_is_the_markov_model(sick_sicker):
    cohort = sick_sicker.to_cohort()
    assert isinstance(cohort, MarkovModel)
    direct = MarkovModel(["H", "S1", "S2", "D"], **sick_sicker_kwargs()).run({}).mean()
    np.testing.assert_allclose(cohort.run({}).mean()[["cost", "qaly"]], direct[["cost", "qaly"]])


def test_mcse_falls_as_one_over_sqrt_n(sick_sicker):
    # MCSE = s / sqrt(n): 16 times the individuals gives a quarter of the MCSE (the sample
    # SDs of the two runs agree to a few percent).
    small = sick_sicker.run(population=2_000, random_seed=1).summary()
    large = sick_sicker.run(population=32_000, random_seed=1).summary()
    for metric in ("cost_mcse", "qaly_mcse", "life_years_mcse"):
        ratio = small[metric] / large[metric]
        np.testing.assert_allclose(ratio, 4.0, rtol=0.1)


def test_treatment_changes_no_path_so_life_year_increment_is_exactly_zero(sick_sicker):
    # Krijkamp et al.: treatment changes costs and the S1 utility only; with common random
    # numbers both strategies follow identical paths, so the increment has no noise.
    inc = sick_sicker.run(population=5_000, random_seed=3).incremental()
    assert inc["delta_life_years"].iloc[0] == 0.0
    assert inc["delta_life_years_mcse"].iloc[0] == 0.0
    assert inc["delta_qaly"].iloc[0] > 0


def test_per_individual_path_gives_the_compiled_paths_numbers_for_the_same_seed():
    # The general (per-individual, numpy) path and the compiled path consume the same
    # uniforms in the same order, so the same model written either way gives equal results.
    kw = sick_sicker_kwargs()
    matrix = kw["transition"]
    costs = {s: np.asarray(v) for s, v in kw["state_costs"].items()}
    kw["transition"] = per_individual(lambda ind, params, cycle, strategy: matrix[ind.state])
    kw["state_costs"] = per_individual(
        lambda ind, params, cycle, strategy: costs[strategy][ind.state]
    )
    general = Microsimulation(["H", "S1", "S2", "D"], **kw)
    compiled = Microsimulation(["H", "S1", "S2", "D"], **sick_sicker_kwargs())
    assert not general.is_cohort_equivalent and compiled.is_cohort_equivalent
    a = general.run(population=3_000, random_seed=11)
    b = compiled.run(population=3_000, random_seed=11)
    np.testing.assert_allclose(a.summary().iloc[:, 1:], b.summary().iloc[:, 1:], rtol=1e-10)
    np.testing.assert_allclose(a.mean_trace, b.mean_trace)


def test_mean_trace_matches_cohort_trace_within_sampling_error(sick_sicker):
    n = 50_000
    micro = sick_sicker.run(population=n, random_seed=5).mean_trace.values
    cohort = sick_sicker.to_cohort().run({}).mean_trace.values
    se = np.sqrt(cohort * (1 - cohort) / n) + 1e-12
    assert np.abs(micro - cohort).max() / se.max() < 5


@pytest.mark.parametrize("method", ["half-cycle", "none", "end", "simpson"])
def test_within_cycle_conventions_are_shared_with_the_cohort(method):
    sim = Microsimulation(["H", "S1", "S2", "D"], **sick_sicker_kwargs(within_cycle=method))
    table = compare_with_cohort(sim, population=20_000, random_seed=7)
    assert table["within_3_mcse"].all(), table
