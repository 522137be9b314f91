"""Tests for decisionkit.models.cohort.sick_sicker (the Sick-Sicker model of the DARTH tutorial)."""

import numpy as np
import pandas as pd
import pytest

from decisionkit import OutcomeDistribution
from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort.sick_sicker import (
    SICK_SICKER_STRATEGIES,
    sick_sicker_base_case,
    sick_sicker_expected,
    sick_sicker_model,
    sick_sicker_outcomes,
    sick_sicker_parameters,
    sick_sicker_psa,
)


def base(within_cycle="simpson"):
    res = sick_sicker_outcomes(
        sick_sicker_base_case(), within_cycle=within_cycle, return_result=True
    )
    return res.mean().set_index("strategy")


def test_published_weights_reproduce_tutorial_base_case_for_standard_of_care():
    # Alarid-Escudero et al., Med Decis Making 2023;43(1):3-20, CEA results of the
    # time-independent Sick-Sicker model: standard of care costs $151,580 and yields 20.711 QALYs.
    soc = base("published").loc["Standard of care"]
    assert soc["cost"] == pytest.approx(151_580, abs=1)
    assert soc["qaly"] == pytest.approx(20.711, abs=5e-4)


def test_default_simpson_adds_the_third_cycle_the_published_weights_miss():
    # The tutorial's weights (1/3, 2/3, 4/3, ..., 4/3, 1/3 over t = 0..75) sum to 74.67, not
    # 75: they give the first cycle, when the cohort is Healthy with utility ~1, 1/3 cycle
    # too little weight, so the composite Simpson rule yields ~1/3 QALY more (less discounting
    # and mortality make it slightly under 1/3).
    diff = base()["qaly"] - base("published")["qaly"]
    assert np.all((diff > 0.25) & (diff < 0.4))


def test_treatment_a_changes_quality_of_life_not_survival():
    # Model structure (tutorial): A only raises the utility of Sick; B slows Sick -> Sicker.
    ev = base()
    assert ev.loc["Strategy A", "life_years"] == pytest.approx(
        ev.loc["Standard of care", "life_years"]
    )
    assert ev.loc["Strategy AB", "life_years"] == pytest.approx(ev.loc["Strategy B", "life_years"])
    assert ev.loc["Strategy B", "life_years"] > ev.loc["Standard of care", "life_years"]
    assert ev.loc["Strategy A", "qaly"] > ev.loc["Standard of care", "qaly"]


def test_psa_distributions_have_the_tutorial_means():
    # generate_psa_params(): r_HD ~ Gamma(20, rate 10000) -> mean 0.002;
    # c_S1 ~ Gamma(177.8, scale 22.5) -> 4000.5; u_S2 ~ Beta(230, 230) -> 0.5.
    means = sick_sicker_parameters().base_case()
    assert means["r_HD"] == pytest.approx(0.002)
    assert means["c_S1"] == pytest.approx(177.8 * 22.5)
    assert means["u_S2"] == pytest.approx(0.5)
    assert set(means) == set(sick_sicker_base_case())


def test_sick_sicker_psa_returns_seeded_outcomes_with_inputs():
    out = sick_sicker_psa(50, random_seed=3)
    assert isinstance(out, OutcomeDistribution)
    assert out.actions == list(SICK_SICKER_STRATEGIES)
    assert out.inputs.shape == (50, 18)
    assert out == sick_sicker_psa(50, random_seed=3)


def test_strategy_subset():
    out = sick_sicker_psa(10, random_seed=1, strategies=["Standard of care", "Strategy B"])
    assert out.actions == ["Standard of care", "Strategy B"]


def test_outcomes_of_a_one_way_grid_match_single_runs():
    # Sensitivity analysis re-runs the model on a DataFrame of parameter sets in one call.
    grid = pd.DataFrame([sick_sicker_base_case()] * 3)
    grid["c_trtB"] = [10_000.0, 13_000.0, 16_000.0]
    out = sick_sicker_outcomes(grid)
    cost_b = out["cost"].sel(action="Strategy B").to_numpy()
    assert cost_b[1] == pytest.approx(base().loc["Strategy B", "cost"])
    assert np.all(np.diff(cost_b) > 0)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: sick_sicker_model(strategies=["Strategy C"]), "'strategies' parameter"),
        (lambda: sick_sicker_psa(1), "'n_draws' parameter"),
        (lambda: sick_sicker_outcomes(sick_sicker_base_case()), "at least 2 draws"),
    ],
)
def test_bad_input_raises_clear_error(call, fragment):
    with pytest.raises(ValidationError) as info:
        call()
    assert fragment in str(info.value)


def test_expected_gives_strategy_metric_dict_for_deterministic_analysis():
    # Same numbers as the MarkovResult mean, in the {strategy: {metric: value}} form that
    # deterministic sensitivity analysis consumes.
    ev = sick_sicker_expected(sick_sicker_base_case())
    assert list(ev) == list(SICK_SICKER_STRATEGIES)
    assert ev["Strategy B"]["qaly"] == pytest.approx(base().loc["Strategy B", "qaly"])
