import numpy as np
import pytest

import decisionkit as dk
from decisionkit.models.trial_example import trial_example_outcomes


@pytest.fixture(scope="module")
def out():
    return trial_example_outcomes(40_000, random_seed=3)


def test_expected_incremental_net_benefit_matches_closed_form(out):
    # Closed form (module docstring): E[INB] = (0.5 - 0.4) * 0.3 * wtp - 800 = 0.03 wtp - 800
    # (Beta(10, 10) and Beta(40, 60) means; independent QALY gain with mean 0.3).
    for wtp in (20_000, 30_000):
        nb = dk.utility.net_monetary_benefit(wtp=wtp)(out)
        inb = (nb.sel(action="New drug") - nb.sel(action="Standard care")).values
        se = inb.std() / np.sqrt(inb.size)
        assert inb.mean() == pytest.approx(0.03 * wtp - 800, abs=4 * se)


def test_inputs_carry_the_trial_parameters(out):
    assert {"p_standard", "p_new", "qaly_per_response"} <= set(out.inputs.columns)
    # Beta(40, 60) mean 0.4 and Beta(10, 10) mean 0.5 (from the counts)
    assert out.inputs["p_standard"].mean() == pytest.approx(0.4, abs=0.002)
    assert out.inputs["p_new"].mean() == pytest.approx(0.5, abs=0.004)


def test_same_seed_same_draws():
    a = trial_example_outcomes(100, random_seed=9)
    b = trial_example_outcomes(100, random_seed=9)
    assert a == b
