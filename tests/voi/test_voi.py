"""dk.voi public surface: EVPI, population scaling, result objects and the VOI plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import decisionkit as dk
from decisionkit.exceptions import ValidationError


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def cea_model():
    rng = np.random.default_rng(21)
    n = 2000
    p = pd.DataFrame(
        {"pc": rng.beta(10, 40, n), "pt": rng.beta(14, 36, n), "c_drug": rng.gamma(100, 3, n)}
    )
    qaly = np.column_stack([np.zeros(n), 0.5 * (p["pc"] - p["pt"])])
    cost = np.column_stack([np.zeros(n), p["c_drug"]])
    return dk.OutcomeDistribution.from_arrays(
        {"qaly": qaly, "cost": cost}, actions=["SoC", "New"], inputs=p
    )


@pytest.fixture(scope="module")
def grid_result(cea_model):
    u = dk.utility.net_monetary_benefit(wtp=[10_000, 20_000, 30_000])
    return dk.voi.evppi_each(cea_model, u, method="so")


@pytest.fixture(scope="module")
def evsi_result(cea_model):
    u = dk.utility.net_monetary_benefit(wtp=20_000)
    study = dk.voi.TwoArmBinary("pc", "pt")
    return dk.voi.evsi(cea_model, u, study=study, n=[10, 100, 1000], random_seed=1)


def test_evpi_delegates_to_decide(cea_model):
    u = dk.utility.net_monetary_benefit(wtp=20_000)
    assert dk.voi.evpi(cea_model, u) == dk.decide(cea_model, u).evpi


def test_evpi_per_wtp_is_a_series(cea_model):
    u = dk.utility.net_monetary_benefit(wtp=[10_000, 20_000])
    assert list(dk.voi.evpi(cea_model, u).index) == [10_000.0, 20_000.0]


def test_evpi_of_two_independent_normals_matches_closed_form():
    # E[max(X, Y)] - max(E X, E Y) = sd(X - Y) phi(0) for X, Y iid N(0, 1): 1/sqrt(pi)
    rng = np.random.default_rng(22)
    out = dk.OutcomeDistribution.from_arrays({"nb": rng.normal(0, 1, (40_000, 2))})
    # MC sd of the estimate ~ 0.0045 at 40,000 draws: tolerance 4 sd
    assert dk.voi.evpi(out, dk.utility.linear({"nb": 1})) == pytest.approx(
        np.sqrt(2) * norm.pdf(0), abs=0.018
    )


def test_population_evpi_without_discounting_is_value_times_people_times_years():
    assert dk.voi.population_evpi(
        3.0, population_per_year=200, horizon_years=4, discount_rate=0
    ) == pytest.approx(2400.0)


def test_population_evpi_scales_a_series(grid_result):
    pop = dk.voi.population_evpi(grid_result.evppi, population_per_year=10, horizon_years=1)
    pd.testing.assert_series_equal(pop, grid_result.evppi * 10)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"population_per_year": 0, "horizon_years": 5}, "'population_per_year' parameter"),
        ({"population_per_year": 10, "horizon_years": -1}, "'horizon_years' parameter"),
        (
            {"population_per_year": 10, "horizon_years": 5, "discount_rate": -0.1},
            "'discount_rate' parameter",
        ),
    ],
)
def test_population_evpi_rejects_bad_arguments(kwargs, fragment):
    with pytest.raises(ValidationError) as info:
        dk.voi.population_evpi(1.0, **kwargs)
    assert fragment in str(info.value)


def test_grid_result_frame_is_long_by_parameter_and_wtp(grid_result):
    frame = grid_result.to_frame()
    assert list(frame.columns[:3]) == ["parameters", "n_parameters", "wtp"]
    assert len(frame) == 3 * 3


def test_evppi_never_exceeds_evpi_on_a_grid(grid_result):
    frame = grid_result.to_frame()
    assert (frame["evppi"] <= frame["evpi"]).all() and (frame["evppi"] >= 0).all()


def test_voi_evpi_plots_evpi_and_one_line_per_group(grid_result):
    ax = dk.plot.voi_evpi(grid_result)
    assert len(ax.get_lines()) == 1 + 3
    assert "Willingness to pay" in ax.get_xlabel()


def test_voi_evpi_accepts_the_evpi_series(cea_model):
    u = dk.utility.net_monetary_benefit(wtp=[10_000, 20_000, 30_000])
    ax = dk.plot.voi_evpi(dk.voi.evpi(cea_model, u))
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [10_000, 20_000, 30_000])


def test_evppi_bars_draws_one_bar_per_parameter_at_the_chosen_wtp(grid_result):
    ax = dk.plot.evppi_bars(grid_result, wtp=20_000)
    assert len(ax.patches) == 3
    assert "20,000" in ax.get_title()


def test_evppi_bars_needs_a_wtp_for_a_grid_result(grid_result):
    with pytest.raises(ValidationError, match=r"'wtp' parameter of plot\.evppi_bars"):
        dk.plot.evppi_bars(grid_result)


def test_regression_check_plots_fitted_against_residuals(cea_model):
    res = dk.voi.evppi(cea_model, dk.utility.net_monetary_benefit(wtp=20_000), "pt")
    ax = dk.plot.regression_check(res)
    assert ax.get_xlabel() == "Fitted incremental net benefit"
    assert "pt" in ax.get_title()


def test_evsi_curve_uses_a_log_axis_over_decades(evsi_result):
    ax = dk.plot.evsi_curve(evsi_result)
    assert ax.get_xscale() == "log"
    assert "per arm" in ax.get_xlabel()


def test_enbs_curve_marks_the_optimal_n(evsi_result):
    res = dk.voi.enbs(
        evsi_result,
        population_per_year=5000,
        horizon_years=10,
        setup_cost=2e5,
        cost_per_participant=2000,
    )
    ax = dk.plot.enbs_curve(res)
    labels = [line.get_label() for line in ax.get_lines()]
    assert f"optimal n = {res.optimal_n:,}" in labels


def test_plots_reject_the_wrong_result_type(evsi_result):
    with pytest.raises(ValidationError, match="an EVPPIResult"):
        dk.plot.evppi_bars(evsi_result)
