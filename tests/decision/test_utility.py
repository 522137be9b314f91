import numpy as np
import pytest
import xarray as xr

import decisionkit as dk
from decisionkit.exceptions import ValidationError


@pytest.fixture
def ce():
    cost = np.array([[100.0, 300.0], [200.0, 250.0], [150.0, 400.0]])
    qaly = np.array([[1.0, 1.02], [0.9, 0.95], [1.1, 1.1]])
    return dk.OutcomeDistribution.from_arrays({"cost": cost, "qaly": qaly}, actions=["Old", "New"])


def test_linear_is_weighted_sum(ce):
    u = dk.utility.linear({"qaly": 1000, "cost": -1})(ce)
    assert np.allclose(u.values, 1000 * ce["qaly"].values - ce["cost"].values)
    assert u.dims == ("draw", "action")


def test_nmb_scalar_matches_formula(ce):
    u = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=20_000)(ce)
    assert np.allclose(u.values, 20_000 * ce["qaly"].values - ce["cost"].values)


def test_nmb_grid_adds_wtp_dim(ce):
    u = dk.utility.net_monetary_benefit(wtp=[0, 10, 20])(ce)
    assert u.dims == ("draw", "action", "wtp")
    assert np.allclose(u.sel(wtp=10).values, 10 * ce["qaly"].values - ce["cost"].values)


def test_nhb_is_nmb_divided_by_wtp(ce):
    nhb = dk.utility.net_health_benefit(wtp=5000)(ce)
    nmb = dk.utility.net_monetary_benefit(wtp=5000)(ce)
    assert np.allclose(nhb.values, nmb.values / 5000)


def test_exponential_zero_aversion_is_identity(ce):
    u = dk.utility.exponential("qaly", risk_aversion=0)(ce)
    assert np.array_equal(u.values, ce["qaly"].values)


def test_exponential_matches_cara_formula(ce):
    u = dk.utility.exponential("qaly", risk_aversion=2.0)(ce)
    assert np.allclose(u.values, (1 - np.exp(-2.0 * ce["qaly"].values)) / 2.0)


def test_custom_accepts_plain_arrays(ce):
    u = dk.utility.custom(lambda o: o["qaly"].values * 2, name="double")(ce)
    assert isinstance(u, xr.DataArray)
    assert np.allclose(u.values, 2 * ce["qaly"].values)


def test_custom_wrong_shape_is_an_error(ce):
    bad = dk.utility.custom(lambda o: np.ones((3, 5)), name="bad")
    with pytest.raises(ValidationError, match=r"returned shape \(3, 5\); expected \(3, 2\)"):
        bad(ce)


def test_custom_nan_is_an_error(ce):
    with pytest.raises(ValidationError, match="NaN"):
        dk.utility.custom(lambda o: np.full((3, 2), np.nan))(ce)


def test_unknown_metric_lists_available(ce):
    with pytest.raises(ValidationError, match=r"available metrics are \['cost', 'qaly'\]"):
        dk.utility.net_monetary_benefit(effect="qalys", cost="cost", wtp=1)(ce)


@pytest.mark.parametrize(
    ("factory", "kwargs", "fragment"),
    [
        (dk.utility.net_monetary_benefit, {"wtp": -5}, "must be a number >= 0. Got -5"),
        (dk.utility.net_monetary_benefit, {"wtp": float("nan")}, "finite"),
        (dk.utility.net_monetary_benefit, {"wtp": [0, -1]}, "non-negative"),
        (dk.utility.net_monetary_benefit, {"wtp": [0, 2, 1]}, "strictly increasing"),
        (dk.utility.net_monetary_benefit, {"wtp": "high"}, "wtp"),
        (dk.utility.net_health_benefit, {"wtp": 0}, "> 0"),
        (dk.utility.linear, {"weights": {}}, "non-empty dict"),
        (dk.utility.linear, {"weights": {"a": "x"}}, "must be a number"),
        (dk.utility.exponential, {"metric": "q", "risk_aversion": np.inf}, "finite"),
        (dk.utility.cvar, {"alpha": 0}, "alpha"),
        (dk.utility.cvar, {"alpha": 1.5}, "alpha"),
        (dk.utility.quantile, {"q": -0.1}, "'q' parameter"),
    ],
)
def test_factories_check_parameters_at_once(factory, kwargs, fragment):
    with pytest.raises(ValidationError, match=fragment):
        factory(**kwargs)


def test_cvar_is_mean_of_lower_tail():
    u = xr.DataArray(np.arange(1.0, 11.0)[:, None], dims=("draw", "action"))
    # alpha = 0.2 of 10 draws: the two worst draws 1 and 2 -> 1.5 (Rockafellar & Uryasev)
    assert float(dk.utility.cvar(0.2)(u)[0]) == pytest.approx(1.5)
    # alpha = 0.25: k = 2.5 -> (1 + 2 + 0.5 * 3) / 2.5 = 1.8
    assert float(dk.utility.cvar(0.25)(u)[0]) == pytest.approx(1.8)
    assert float(dk.utility.cvar(1.0)(u)[0]) == pytest.approx(5.5)
