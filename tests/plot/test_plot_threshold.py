"""Decision-curve plot: axes, labels, curves, bands and y-limits."""

import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import decisionkit as dk
from decisionkit.exceptions import ValidationError


@pytest.fixture(scope="module")
def curves():
    rng = np.random.default_rng(0)
    risk = rng.beta(2, 5, 300)
    y = (rng.random(300) < risk).astype(int)
    point = dk.threshold.decision_curve(y, {"m": risk, "noise": rng.uniform(size=300)})
    draws = np.clip(risk[None, :] + rng.normal(0, 0.02, (200, 300)), 0, 1)
    banded = dk.threshold.decision_curve(y, {"m": draws})
    return point, banded


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_net_benefit_plot_draws_every_strategy_with_labels(curves):
    ax = dk.plot.decision_curve(curves[0])
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["m", "noise", "Treat all", "Treat none"]
    assert ax.get_xlabel() == "Threshold probability"
    assert ax.get_ylabel() == "Net benefit"
    assert ax.get_legend() is not None


def test_net_benefit_plot_cuts_y_axis_slightly_below_zero(curves):
    # treat-all falls to -pt/(1-pt)-ish values; the view stops at -15% of the top
    dc = curves[0]
    ax = dk.plot.decision_curve(dc)
    low, high = ax.get_ylim()
    top = dc.to_frame()["net_benefit"].max()
    assert (low, high) == pytest.approx((-0.15 * top, 1.08 * top))


def test_bands_are_drawn_only_with_uncertainty(curves):
    assert len(dk.plot.decision_curve(curves[0]).collections) == 0
    assert len(dk.plot.decision_curve(curves[1]).collections) == 1
    assert len(dk.plot.decision_curve(curves[1], show_bands=False).collections) == 0


def test_interventions_avoided_plot_uses_per_patient_label(curves):
    ax = dk.plot.decision_curve(curves[0], kind="interventions_avoided", models=["m"])
    assert ax.get_ylabel() == "Net interventions avoided per 100 patients"
    data = ax.get_lines()[0].get_ydata()
    expected = curves[0].to_frame().query("model == 'm'")["net_interventions_avoided"]
    np.testing.assert_allclose(data, expected)


def test_plot_draws_on_given_axes(curves):
    _fig, ax = plt.subplots()
    assert dk.plot.decision_curve(curves[0], ax=ax) is ax


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"kind": "roc"}, "'kind'"), ({"models": ["missing"]}, "'models'")],
)
def test_plot_rejects_bad_arguments(curves, kwargs, fragment):
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        dk.plot.decision_curve(curves[0], **kwargs)
