"""Tests for decisionkit.plot.state_trace."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort.sick_sicker import sick_sicker_base_case, sick_sicker_outcomes


@pytest.fixture(scope="module")
def result():
    return sick_sicker_outcomes(
        sick_sicker_base_case(), strategies=["Standard of care", "Strategy B"], return_result=True
    )


def test_state_trace_draws_one_line_per_state_and_strategy(result):
    ax = dk.plot.state_trace(result)
    assert len(ax.get_lines()) == 4 * 2
    # the plotted data are the mean trace: first line = Healthy under standard of care
    np.testing.assert_allclose(
        ax.get_lines()[0].get_ydata(),
        result.mean_trace.sel(strategy="Standard of care", state="H").to_numpy(),
    )
    assert ax.get_xlabel() == "Time (years)"
    plt.close(ax.figure)


def test_state_trace_uses_given_axes(result):
    fig, ax = plt.subplots()
    assert dk.plot.state_trace(result, strategies=["Strategy B"], states=["D"], ax=ax) is ax
    assert len(ax.get_lines()) == 1
    plt.close(fig)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"strategies": ["Strategy Z"]}, "'strategies' parameter"),
        ({"states": ["Gone"]}, "'states' parameter"),
    ],
)
def test_state_trace_bad_input(result, kwargs, fragment):
    with pytest.raises(ValidationError, match=fragment):
        dk.plot.state_trace(result, **kwargs)


def test_state_trace_rejects_non_results():
    with pytest.raises(ValidationError, match="MarkovResult"):
        dk.plot.state_trace({"not": "a result"})
