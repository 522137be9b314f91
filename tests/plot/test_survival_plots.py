"""Survival plots: Kaplan-Meier with a risk table, fits over the KM."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.models.survival import ParametricSurvival, kaplan_meier


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(3)
    arm = np.where(np.arange(200) % 2 == 0, "A", "B")
    t = 8.0 * np.where(arm == "B", np.exp(0.4), 1.0) * rng.weibull(1.3, 200)
    c = np.minimum(rng.exponential(20.0, 200), 12.0)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "arm": arm})


def test_kaplan_meier_plot_draws_each_group_and_a_risk_table(frame):
    km = kaplan_meier(frame, time="time", event="event", by="arm")
    ax = dk.plot.kaplan_meier(km, risk_times=[0, 4, 8, 12])
    assert [line.get_label() for line in ax.get_lines()[::2]] == ["A", "B"]
    table = ax.figure.axes[1]
    texts = [t.get_text() for t in table.texts]
    expected = km.at_risk([0, 4, 8, 12])
    assert texts[:4] == [str(n) for n in expected["A"]]
    plt.close(ax.figure)


def test_survival_fits_plot_bands_and_follow_up_line(frame):
    km = kaplan_meier(frame, time="time", event="event", by="arm")
    fit = ParametricSurvival("weibull").fit(frame, time="time", event="event", covariates="arm")
    ax = dk.plot.survival_fits({"Weibull": fit}, km=km, group="A", covariates={"arm": "A"})
    labels = [line.get_label() for line in ax.get_lines()]
    assert "Weibull" in labels and "Kaplan-Meier (A)" in labels
    assert len(ax.collections) == 1  # one interval band
    est = next(line for line in ax.get_lines() if line.get_label() == "Weibull").get_ydata()
    assert np.all(np.diff(est) <= 0) and est[0] == 1.0
    plt.close(ax.figure)


def test_plots_reject_wrong_inputs():
    with pytest.raises(ValidationError, match="'km' parameter"):
        dk.plot.kaplan_meier("not a km")
    with pytest.raises(ValidationError, match="'models' parameter"):
        dk.plot.survival_fits(42, times=[0, 1])
