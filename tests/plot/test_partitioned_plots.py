"""Tests for decisionkit.plot.psm_occupancy and psm_curves."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.models.survival._partitioned import PartitionedSurvivalModel


@pytest.fixture(scope="module")
def result():
    model = PartitionedSurvivalModel(["PFS", "OS"], strategies=["A", "B"], horizon=10)
    t = model.times
    curves = {
        "A": {"PFS": np.exp(-2 * t), "OS": np.exp(-t)},
        "B": {"PFS": np.exp(-1.5 * t), "OS": np.exp(-0.8 * t)},
    }
    return model.run(curves, n_draws=2)


def test_occupancy_stacks_the_alive_states_of_one_strategy(result):
    ax = dk.plot.psm_occupancy(result, "B", max_time=5)
    assert len(ax.collections) == 2  # progression-free, progressed
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Progression-free", "Progressed"]
    assert ax.get_xlim() == (0.0, 5.0)
    plt.close(ax.figure)


def test_curves_draw_each_endpoint_of_each_strategy_at_its_mean(result):
    ax = dk.plot.psm_curves(result)
    assert len(ax.get_lines()) == 4
    os_b = ax.get_lines()[3]
    assert os_b.get_label() == "B: OS"
    # the top of the stacked alive states is OS itself, exp(-0.8 t)
    np.testing.assert_allclose(os_b.get_ydata(), np.exp(-0.8 * os_b.get_xdata()), rtol=1e-12)
    plt.close(ax.figure)


def test_plots_refuse_other_objects_and_unknown_strategies(result):
    with pytest.raises(ValidationError, match="PartitionedSurvivalResult"):
        dk.plot.psm_curves(object())
    with pytest.raises(ValidationError, match="one of"):
        dk.plot.psm_occupancy(result, "C")
