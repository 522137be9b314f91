import matplotlib.pyplot as plt
import numpy as np
import pytest
from _models import USER_PSA, user_model

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.report import budget_impact, market_shares_with, run_scenarios


def _scenarios():
    return run_scenarios(
        user_model,
        {},
        USER_PSA,
        {"Double cost": {"settings": {"scale": 2.0}}},
        n_draws=50,
        random_seed=3,
        wtp=2000,
    )


def test_scenario_plot_has_one_row_per_scenario_and_units():
    res = _scenarios()
    ax = dk.plot.scenario_comparison(res, currency="£")
    assert [t.get_text() for t in ax.get_yticklabels()] == list(res.scenarios)
    assert "£" in ax.get_xlabel() and "wtp" in ax.get_xlabel()
    plt.close("all")


def test_budget_impact_plot_draws_bars_for_each_year():
    rng = np.random.default_rng(0)
    res = budget_impact(
        [100.0, 120.0, 140.0],
        {"Old": 1.0},
        market_shares_with({"Old": 1.0}, new="New", uptake=[0.1, 0.2, 0.3], years=3),
        {"Old": rng.normal(10, 1, (30, 3)), "New": rng.normal(30, 2, (30, 3))},
    )
    ax = dk.plot.budget_impact(res)
    assert len(ax.patches) == 3
    assert "undiscounted" in ax.get_ylabel()
    plt.close("all")


def test_plots_refuse_other_results():
    with pytest.raises(ValidationError, match="ScenarioResult"):
        dk.plot.scenario_comparison(object())
    with pytest.raises(ValidationError, match="BudgetImpactResult"):
        dk.plot.budget_impact(object())
