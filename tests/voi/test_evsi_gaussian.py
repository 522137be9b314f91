"""dk.voi.evsi_gaussian: EVSI by Gaussian approximation (dampack's calc_evsi).

Closed form (normal prior, normal likelihood): theta ~ N(mu0, s0^2) is a prior worth n0 =
sigma^2 / s0^2 observations of sd sigma; after n observations the posterior mean is
N(mu0, s0^2 n / (n + n0)) a priori (the preposterior). With incremental net benefit
INB = a + b theta, EVSI(n) = E[max(0, M)] - max(0, E M) for M ~ N(m, s^2), m = a + b mu0,
s = |b| s0 sqrt(n / (n + n0)), i.e. m Phi(m/s) + s phi(m/s) - max(0, m).
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import decisionkit as dk
from decisionkit.exceptions import ValidationError

MU0, S0, A, B, N0 = 0.1, 0.2, -50.0, 400.0, 25.0


def closed_form(n):
    vrf = 1.0 if np.isinf(n) else np.sqrt(n / (n + N0))  # n -> infinity: the EVPPI
    m, s = A + B * MU0, abs(B) * S0 * vrf
    return m * norm.cdf(m / s) + s * norm.pdf(m / s) - max(0.0, m)


def outcomes(n_draws=4_000, wtp=None):
    # theta at evenly spaced normal quantiles (no Monte-Carlo noise in the check)
    theta = MU0 + S0 * norm.ppf((np.arange(n_draws) + 0.5) / n_draws)
    theta = np.random.default_rng(0).permutation(theta)
    inb = A + B * theta
    return dk.OutcomeDistribution.from_arrays(
        {"qaly": np.column_stack([np.zeros(n_draws), inb]), "cost": np.zeros((n_draws, 2))},
        actions=["Old", "New"],
        inputs=pd.DataFrame({"theta": theta, "other": np.linspace(0, 1, n_draws)}),
    )


def test_matches_the_normal_normal_closed_form():
    sizes = [1, 10, 100, 1000]
    res = dk.voi.evsi_gaussian(
        outcomes(), dk.utility.net_monetary_benefit(wtp=1.0), "theta", n=sizes, n0=N0
    )
    for n in sizes:
        assert res.evsi[n] == pytest.approx(closed_form(n), rel=2e-3)
    # EVSI rises with n towards the EVPI (= EVPPI of theta here, the only uncertainty)
    assert np.all(np.diff(res.evsi.to_numpy()) > 0)
    assert res.table["evpi"].iloc[0] == pytest.approx(closed_form(np.inf), rel=2e-3)
    assert res.table["se"].isna().all() and "Gaussian approximation" in res.study


def test_wtp_grid_gives_one_evsi_per_value_and_feeds_enbs():
    u = dk.utility.net_monetary_benefit(wtp=np.array([0.5, 1.0]))
    res = dk.voi.evsi_gaussian(outcomes(), u, "theta", n=[10, 100], n0=N0)
    assert list(res.table.columns) == ["n", "wtp", "evsi", "se", "evpi"]
    # at wtp 1 the values are the closed form; at 0.5 every net benefit halves, and so EVSI
    at_one = res.table.query("wtp == 1.0").set_index("n")["evsi"]
    at_half = res.table.query("wtp == 0.5").set_index("n")["evsi"]
    assert at_one[10] == pytest.approx(closed_form(10), rel=2e-3)
    np.testing.assert_allclose(at_half, at_one / 2, rtol=1e-9)
    enbs = dk.voi.enbs(
        res, population_per_year=1_000, horizon_years=1, setup_cost=100.0, cost_per_participant=1.0
    )
    assert enbs.table["enbs"].to_numpy() == pytest.approx(
        1_000 * res.table["evsi"].to_numpy() - 100.0 - res.table["n"].to_numpy()
    )


def test_a_parameter_that_does_not_drive_the_decision_has_no_value():
    res = dk.voi.evsi_gaussian(
        outcomes(), dk.utility.net_monetary_benefit(wtp=1.0), "other", n=100, n0=N0
    )
    # "other" is unrelated to the net benefit: its EVSI is near 0 (GAM noise only)
    assert 0.0 <= res.evsi < 0.05 * closed_form(100)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"parameter": "nope"}, "not among the inputs"),
        ({"n": 0}, "'n' parameter"),
        ({"n": [10, -1]}, "'n' parameter"),
        ({"n": "ten"}, "'n' parameter"),
        ({"n0": 0}, "'n0' parameter"),
        ({"parameter": ["theta"]}, "'parameter' parameter"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"parameter": "theta", "n": 10, "n0": N0, **kwargs}
    with pytest.raises(ValidationError, match=match):
        dk.voi.evsi_gaussian(outcomes(200), dk.utility.net_monetary_benefit(wtp=1.0), **args)


def test_constant_parameter_is_refused():
    out = outcomes(200)
    flat = out.inputs.assign(theta=1.0)
    with pytest.raises(ValidationError, match="zero variance"):
        dk.voi.evsi_gaussian(
            out, dk.utility.net_monetary_benefit(wtp=1.0), "theta", n=10, n0=N0, inputs=flat
        )
