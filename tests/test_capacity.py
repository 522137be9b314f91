"""Tests for plan_capacity (newsvendor decision on demand draws)."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

import decisionkit as dk
from decisionkit.capacity import CapacityPlan, plan_capacity
from decisionkit.exceptions import ValidationError

N = 20_000


def _stratified_poisson(lam: float, n: int = N) -> np.ndarray:
    """Draws whose empirical CDF equals the Poisson CDF to within 1/n (quantiles at (i+.5)/n)."""
    return stats.poisson.ppf((np.arange(n) + 0.5) / n, lam)


def _newsvendor_closed_form(lam: float, shortage: float, idle: float) -> int:
    # Arrow, Harris & Marschak (1951): smallest c with F(c) >= shortage / (shortage + idle)
    q = shortage / (shortage + idle)
    c = np.arange(0, int(lam * 5))
    cdf = stats.poisson.cdf(c, lam)
    assert np.min(np.abs(cdf - q)) > 5 / N  # q not at a CDF jump, so the answer is unique
    return int(c[np.argmax(cdf >= q)])


@pytest.mark.parametrize(("lam", "shortage", "idle"), [(20, 4, 1), (8, 1, 3), (50, 9, 1)])
def test_expected_cost_capacity_is_the_critical_fractile_quantile(lam, shortage, idle):
    plan = plan_capacity(_stratified_poisson(lam), shortage_cost=shortage, idle_cost=idle)
    assert plan.recommended == _newsvendor_closed_form(lam, shortage, idle)


def test_expected_cost_matches_poisson_closed_form():
    # E[cost(c)] = s E(D-c)+ + h E(c-D)+, with E(c-D)+ = sum_{k<=c} (c-k) p(k) and
    # E(D-c)+ = lam - c + E(c-D)+ (Poisson, lam = 20). Stratified draws: error O(1/N).
    lam, s, h = 20, 4, 1
    plan = plan_capacity(_stratified_poisson(lam), shortage_cost=s, idle_cost=h)
    costs = plan.costs.set_index("capacity")
    for c in (15, 20, 24, 30):
        k = np.arange(c + 1)
        over = np.sum((c - k) * stats.poisson.pmf(k, lam))
        expected = s * (lam - c + over) + h * over
        assert costs.loc[c, "expected_cost"] == pytest.approx(expected, abs=0.01)
        assert costs.loc[c, "prob_shortage"] == pytest.approx(stats.poisson.sf(c, lam), abs=2 / N)


def test_random_poisson_draws_give_the_closed_form_capacity():
    draws = np.random.default_rng(0).poisson(20, size=N)
    plan = plan_capacity(draws, shortage_cost=4, idle_cost=1)
    assert plan.recommended == _newsvendor_closed_form(20, 4, 1)


def test_cvar_capacity_at_least_expected_capacity_when_shortage_costs_more():
    plan = plan_capacity(_stratified_poisson(20), shortage_cost=10, idle_cost=1)
    t = plan.to_frame()
    assert (t["cvar_capacity"] >= t["capacity"]).all()
    assert (t["cvar_prob_shortage"] <= t["prob_shortage"]).all()
    # the safer plan costs more on average: the expected-cost plan is optimal on average
    assert (t["cvar_expected_cost"] >= t["expected_cost"]).all()


def test_cvar_objective_recommends_the_cvar_capacity():
    plan = plan_capacity(
        _stratified_poisson(20), shortage_cost=10, idle_cost=1, objective=dk.utility.cvar(0.1)
    )
    t = plan.to_frame()
    assert plan.objective == "CVaR(0.1)"
    assert (t["capacity"] == t["cvar_capacity"]).all()


def test_cvar_cost_is_mean_of_worst_alpha_costs():
    # Rockafellar & Uryasev (2000): CVaR_0.1 of cost = mean of the 10% highest cost draws
    d = _stratified_poisson(20, n=1000)
    plan = plan_capacity(d, shortage_cost=3, idle_cost=1, capacities=[18, 22])
    cost = 3 * np.maximum(d - 22, 0) + np.maximum(22 - d, 0)
    worst = np.sort(cost)[-100:].mean()
    got = plan.costs.set_index("capacity").loc[22.0, "cvar_cost"]
    assert got == pytest.approx(worst)


def test_dataarray_with_dates_gives_one_row_per_date():
    rng = np.random.default_rng(1)
    dates = pd.date_range("2026-01-05", periods=4)
    da = xr.DataArray(
        rng.poisson([5, 10, 20, 40], size=(4000, 4)), dims=("draw", "date"), coords={"date": dates}
    )
    plan = plan_capacity(da, shortage_cost=4, idle_cost=1)
    assert isinstance(plan, CapacityPlan)
    assert list(plan.recommended.index) == list(dates)
    expected = [np.quantile(da.values[:, j], 0.8, method="inverted_cdf") for j in range(4)]
    np.testing.assert_array_equal(plan.recommended.to_numpy(), expected)  # empirical 0.8 quantile


def test_dates_are_chunked_without_changing_the_answer():
    rng = np.random.default_rng(2)
    demand = rng.poisson(np.linspace(5, 30, 12), size=(500, 12))
    whole = plan_capacity(demand, shortage_cost=3, idle_cost=1).to_frame()
    with dk.set_options(working_memory=1e-9):  # one date per chunk
        chunked = plan_capacity(demand, shortage_cost=3, idle_cost=1).to_frame()
    pd.testing.assert_frame_equal(whole, chunked)


def test_summary_and_repr_mention_the_costs():
    plan = plan_capacity(_stratified_poisson(20, 1000), shortage_cost=4, idle_cost=1)
    assert "shortage cost 4" in repr(plan)
    assert plan.critical_fractile == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("demand", "kwargs", "fragment"),
    [
        (np.array([1.0, np.nan, 3.0]), {}, "NaN"),
        (np.array([1.0, -1.0, 3.0]), {}, "negative"),
        (np.array([1.0]), {}, "at least 2 draws"),
        (np.ones((2, 2, 2)), {}, "shape"),
        ("abc", {}, "DataArray or numpy array"),
        (xr.DataArray(np.ones((3, 2)), dims=("draw", "ward")), {}, "optionally 'date'"),
        (np.arange(10.0), {"shortage_cost": 0}, "shortage_cost"),
        (np.arange(10.0), {"idle_cost": -1}, "idle_cost"),
        (np.arange(10.0), {"capacities": [5, 3]}, "strictly increasing"),
        (np.arange(10.0), {"capacities": [5]}, "at least 2 levels"),
        (np.arange(10.0), {"objective": "worst"}, "objective"),
        (np.arange(10.0), {"cvar_alpha": 0}, "cvar_alpha"),
        (np.array([0.0, 1e6]), {}, "capacities= with a coarser grid"),
    ],
)
def test_bad_arguments_raise(demand, kwargs, fragment):
    args = {"shortage_cost": 2, "idle_cost": 1, **kwargs}
    with pytest.raises(ValidationError, match=fragment):
        plan_capacity(demand, **args)


def test_capacity_module_does_not_import_pymc_or_sklearn():
    # house rule: the decision layer never imports PyMC or scikit-learn
    import subprocess
    import sys

    code = (
        "import sys, decisionkit.capacity; "
        "print(any(m in sys.modules for m in ('pymc', 'sklearn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_summary_labels_plain_array_columns_as_days_not_calendar_dates():
    # a (draw, date) ndarray has no dates: its columns are numbered days, and the summary
    # must not turn 0, 1, 2 into 1970-01-01 timestamps
    demand = np.random.default_rng(0).poisson(20, (500, 3))
    text = plan_capacity(demand, shortage_cost=1000, idle_cost=200).summary()
    assert "day 0" in text and "1970" not in text


def test_expected_cost_plan_equals_decide_on_the_same_levels():
    # the risk-neutral plan is read off the CVaR pass; it must be exactly decide()'s choice
    rng = np.random.default_rng(4)
    demand = rng.poisson([12, 20, 31], (800, 3))
    plan = plan_capacity(demand, shortage_cost=900, idle_cost=300)
    levels = np.arange(demand.min(), demand.max() + 1)
    gap = demand[:, None, :] - levels[None, :, None]
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": 900 * np.maximum(gap, 0) + 300 * np.maximum(-gap, 0)},
        actions=[str(c) for c in levels],
        dims=["date"],
    )
    best = dk.decide(out, dk.utility.linear({"cost": -1})).best
    assert plan.table["capacity"].tolist() == [float(b) for b in best.to_numpy()]
