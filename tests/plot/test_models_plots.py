"""Smoke and argument tests for the model-layer plots (forecast, group rates, capacity)."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import decisionkit as dk
from decisionkit.capacity import plan_capacity
from decisionkit.exceptions import ValidationError

DATES = pd.date_range("2026-01-01", periods=7)


@pytest.fixture
def forecast():
    rng = np.random.default_rng(0)
    return xr.DataArray(
        rng.poisson(20, size=(300, 7)), dims=("draw", "date"), coords={"date": DATES}
    )


class _FakeRates:
    """Duck-typed stand-in for a fitted HierarchicalRates (no MCMC in plot tests)."""

    def summary(self, prob=0.95):
        return pd.DataFrame(
            {
                "group": ["A", "B"], "n": [50, 500], "raw_rate": [0.1, 0.04],
                "mean": [0.07, 0.045], "lower": [0.03, 0.03], "upper": [0.12, 0.06],
            }
        )  # fmt: skip

    def pooled_rate(self):
        return xr.DataArray([0.05, 0.05], dims="draw")


def test_plot_forecast_draws_bands_and_observed(forecast):
    obs = pd.Series([18, 22, 19], index=pd.date_range("2025-12-29", periods=3))
    ax = dk.plot.plot_forecast(forecast, observed=obs, ylabel="ICU admissions per day")
    assert ax.get_ylabel() == "ICU admissions per day"
    assert len(ax.collections) == 2  # the 50% and 90% bands
    assert "observed" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(ax.figure)


def test_plot_forecast_uses_given_axes(forecast):
    _, ax = plt.subplots()
    assert dk.plot.plot_forecast(forecast, ax=ax) is ax
    plt.close(ax.figure)


def test_plot_forecast_rejects_wrong_dims():
    with pytest.raises(ValidationError, match="dims"):
        dk.plot.plot_forecast(xr.DataArray(np.ones((3, 2)), dims=("draw", "unit")))


def test_plot_group_rates_labels_groups_with_sizes():
    ax = dk.plot.plot_group_rates(_FakeRates(), unit="deaths per 100")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["B (n=500)", "A (n=50)"]  # sorted by posterior mean
    assert ax.get_xlabel() == "deaths per 100"
    plt.close(ax.figure)


def test_plot_capacity_plan_shows_both_capacities(forecast):
    plan = plan_capacity(forecast, shortage_cost=4, idle_cost=1)
    ax = dk.plot.plot_capacity_plan(plan)
    texts = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "lowest expected cost" in texts and "CVaR(0.1)" in texts
    plt.close(ax.figure)


def test_plot_capacity_plan_rejects_other_objects():
    with pytest.raises(ValidationError, match="CapacityPlan"):
        dk.plot.plot_capacity_plan(object())
