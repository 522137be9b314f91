"""dk.sensitivity.one_way_psa_metrics: per-metric one-way metamodels combined per utility.

The reference for every number is dk.sensitivity.one_way_psa itself on the same draws:
least squares is linear in the response, so combining per-metric fits with weights w must
give the fit of the weighted sum (Jalal et al. 2013's metamodel; see the module notes). The
tolerance is 1e-12 relative to the utility's scale (the two paths differ only by rounding).
"""

import re

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort.sick_sicker import sick_sicker_psa

TOL = 1e-12


@pytest.fixture(scope="module")
def psa():
    return sick_sicker_psa(300, random_seed=11)  # 3 metrics, 18 inputs (16 vary)


def assert_same(new, old):
    """Every number of two OneWayPSAResult equal to TOL relative to the utility's scale."""
    scale = float(np.abs(old.frame["expected_utility"]).max())
    pd.testing.assert_frame_equal(
        new.frame.drop(columns="expected_utility"), old.frame.drop(columns="expected_utility")
    )
    np.testing.assert_allclose(
        new.frame["expected_utility"], old.frame["expected_utility"], rtol=0, atol=TOL * scale
    )
    np.testing.assert_allclose(new.base, old.base, rtol=0, atol=TOL * scale)
    assert list(new.base.index) == list(old.base.index)
    np.testing.assert_allclose(new.r_squared, old.r_squared, rtol=0, atol=TOL)
    assert new.ranges == old.ranges
    for p in old.parameters:
        for a, b in zip(new._fits[p], old._fits[p], strict=True):
            np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL * scale)
    for strategy in old.strategies:
        t_new, t_old = new.tornado(strategy), old.tornado(strategy)
        assert t_new["parameter"].tolist() == t_old["parameter"].tolist()
        num = ["low", "high", "outcome_low", "outcome_high", "base", "swing"]
        np.testing.assert_allclose(t_new[num], t_old[num], rtol=0, atol=TOL * scale)
    pd.testing.assert_frame_equal(new.optimal(), old.optimal())


@pytest.mark.parametrize("wtp", [0.0, 20_000.0, 76_500.0, 150_000.0])
def test_combined_fits_equal_one_way_psa_of_the_net_benefit(psa, wtp):
    fits = dk.sensitivity.one_way_psa_metrics(psa, ["qaly", "cost"])
    old = dk.sensitivity.one_way_psa(psa, dk.utility.net_monetary_benefit(wtp=wtp))
    new = fits.combine({"qaly": wtp, "cost": -1.0}, name=old.utility)
    assert_same(new, old)
    assert new.utility == old.utility


def test_any_linear_utility_and_the_settings_carry_over(psa):
    settings = {
        "parameters": ["u_S1", "c_trtB", "r_HS1"],
        "degree": 3,
        "n_points": 17,
        "ranges": {"u_S1": (0.65, 0.8)},
        "strategies": ["Strategy B", "Standard of care"],
    }
    fits = dk.sensitivity.one_way_psa_metrics(psa, **settings)  # every metric
    assert fits.metrics == ("cost", "qaly", "life_years")
    weights = {"life_years": 3.0, "cost": -0.5, "qaly": 1_000.0}
    old = dk.sensitivity.one_way_psa(psa, dk.utility.linear(weights), **settings)
    new = fits.combine(weights)
    assert_same(new, old)
    assert new.utility == old.utility  # the name dk.utility.linear gives
    # a metric left out weighs 0
    only = fits.combine({"qaly": 1.0})
    assert_same(only, dk.sensitivity.one_way_psa(psa, dk.utility.linear({"qaly": 1.0}), **settings))


def test_exact_polynomial_metrics_are_recovered():
    # closed form: cost = 100 + 50 x and qaly = 2 - x**2 are exact quadratics of x, so the
    # NMB at 1,000 per QALY is predicted as 1,900 - 50 x - 1,000 x**2 with R-squared 1
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, 200)
    out = dk.OutcomeDistribution.from_arrays(
        {
            "cost": np.column_stack([100 + 50 * x, np.zeros(200)]),
            "qaly": np.column_stack([2 - x**2, np.ones(200)]),
        },
        actions=["New", "Old"],
        inputs=pd.DataFrame({"x": x}),
    )
    res = dk.sensitivity.one_way_psa_metrics(out).combine({"qaly": 1_000.0, "cost": -1.0})
    f = res.to_frame().query("strategy == 'New'")
    np.testing.assert_allclose(
        f["expected_utility"], 1_900 - 50 * f["value"] - 1_000 * f["value"] ** 2
    )
    assert res.r_squared.loc["x", "New"] == pytest.approx(1.0, abs=1e-12)
    assert np.isnan(res.r_squared.loc["x", "Old"])  # a constant utility has no variance


def test_result_tables(psa):
    fits = dk.sensitivity.one_way_psa_metrics(psa, ["qaly", "cost"], ["u_S1", "c_trtB"], n_points=5)
    frame = fits.to_frame()
    assert list(frame.columns) == ["parameter", "value", "metric", "strategy", "expected_value"]
    assert len(frame) == 2 * 2 * 5 * len(psa.actions)
    # the per-metric predictions are the one-way results of each metric on its own
    one = dk.sensitivity.one_way_psa(
        psa, dk.utility.linear({"cost": 1.0}), ["u_S1", "c_trtB"], n_points=5
    )
    got = frame[frame["metric"] == "cost"]
    np.testing.assert_allclose(got["value"], one.frame["value"])
    np.testing.assert_allclose(got["expected_value"], one.frame["expected_utility"], rtol=TOL)
    summary = fits.summary
    np.testing.assert_allclose(summary["cost"].to_numpy(), one.r_squared.to_numpy(), atol=TOL)
    assert "combine" in repr(fits)
    np.testing.assert_allclose(fits.means.loc["cost"], one.base, rtol=TOL)  # PSA means


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda f: f.combine({"dollars": 1.0}), "keyed by the metrics"),
        (lambda f: f.combine({}), "non-empty dict"),
        (lambda f: f.combine({"qaly": "a lot"}), "weights\\['qaly'\\]"),
    ],
)
def test_bad_weights_say_what_is_allowed(psa, call, match):
    fits = dk.sensitivity.one_way_psa_metrics(psa, ["qaly", "cost"], ["u_S1"])
    with pytest.raises(ValidationError, match=match):
        call(fits)


def test_bad_metrics_are_refused(psa):
    with pytest.raises(ValidationError, match="Unknown metric 'qalys'"):
        dk.sensitivity.one_way_psa_metrics(psa, ["qaly", "qalys"])
    with pytest.raises(ValidationError, match="unique"):
        dk.sensitivity.one_way_psa_metrics(psa, ["qaly", "qaly"])


# Issue 12: errors name the public function the user called, by its public path.
@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda p: dk.sensitivity.one_way_psa_metrics(p, ["qaly", "qaly"]),
            "The 'metrics' parameter of sensitivity.one_way_psa_metrics must hold unique names",
        ),
        (
            lambda p: dk.sensitivity.one_way_psa_metrics(p, ["qaly"], degree=6),
            "The 'degree' parameter of sensitivity.one_way_psa_metrics must be an integer",
        ),
        (
            lambda p: dk.sensitivity.one_way_psa_metrics(p, ["qaly"], ["nope"]),
            "sensitivity.one_way_psa_metrics: parameter(s) ['nope'] are not among the inputs",
        ),
        (
            lambda p: dk.sensitivity.one_way_psa_metrics(p, ["qaly"], ["u_S1"]).combine({}),
            "The 'weights' parameter of OneWayPSAMetrics.combine must be a non-empty dict",
        ),
        (
            lambda p: dk.sensitivity.one_way_psa_metrics(p, ["qaly"], ["u_S1"]).combine(
                {"qaly": "a lot"}
            ),
            "The 'weights['qaly']' parameter of OneWayPSAMetrics.combine must be a number",
        ),
    ],
)
def test_errors_name_the_public_function(psa, call, fragment):
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        call(psa)
