"""ENBS with uncertain study costs (P(ENBS > 0) per n) and the EVSI diagnostics plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import decisionkit as dk
from decisionkit.exceptions import ValidationError

N_DRAWS = 3000
POP = dict(population_per_year=1000, horizon_years=5, discount_rate=0.0)  # factor 5000


@pytest.fixture(scope="module")
def outcomes():
    rng = np.random.default_rng(31)
    p = pd.DataFrame({"pc": rng.beta(10, 40, N_DRAWS), "pt": rng.beta(14, 36, N_DRAWS)})
    nb = np.column_stack([np.zeros(N_DRAWS), 10_000 * (p["pt"] - p["pc"]) - 300])
    return dk.OutcomeDistribution.from_arrays({"nb": nb}, actions=["SoC", "New"], inputs=p)


@pytest.fixture(scope="module")
def point_evsi(outcomes):
    # se=False: the EVSI is a fixed number, so only the costs are uncertain
    study = dk.voi.TwoArmBinary("pc", "pt")
    return dk.voi.evsi(outcomes, None, study=study, n=[10, 100, 1000], se=False, random_seed=1)


def test_normal_costs_give_the_normal_probability(point_evsi):
    # closed form: ENBS = 5000 EVSI - C with C ~ N(mu_setup + 2 n c, sd_setup^2 + (2 n sd_c)^2),
    # so P(ENBS > 0) = Phi((5000 EVSI - mean C) / sd C)
    res = dk.voi.enbs(
        point_evsi, **POP, setup_cost=(2e5, 5e4), cost_per_participant=(150, 60), random_seed=2
    )
    n = point_evsi.to_frame()["n"].to_numpy()
    mean = 2e5 + 2 * n * 150
    sd = np.sqrt(5e4**2 + (2 * n * 60) ** 2)
    want = norm.cdf((5000 * point_evsi.to_frame()["evsi"].to_numpy() - mean) / sd)
    got = res.probability["prob_positive"].to_numpy()
    np.testing.assert_allclose(got, want, atol=0.03)  # 4,000 Monte-Carlo draws
    np.testing.assert_allclose(res.probability["study_cost_sd"], sd)
    assert res.prob_positive.index.name == "n"


def test_cost_draws_are_used_as_given(point_evsi):
    rng = np.random.default_rng(3)
    setup = rng.gamma(4.0, 5e4, 20_000)  # skewed, mean 2e5
    res = dk.voi.enbs(point_evsi, **POP, setup_cost=setup, cost_per_participant=150, random_seed=4)
    evsi = point_evsi.to_frame()["evsi"].to_numpy()
    n = point_evsi.to_frame()["n"].to_numpy()
    want = [np.mean(5000 * e - (setup + 2 * k * 150) > 0) for e, k in zip(evsi, n, strict=True)]
    np.testing.assert_allclose(res.probability["prob_positive"], want, atol=0.03)
    best = res.optimal["optimal_n"].iloc[0]
    row = res.probability[res.probability["n"] == best]
    assert res.optimal["prob_positive"].iloc[0] == pytest.approx(row["prob_positive"].iloc[0])


def test_certain_costs_keep_the_evsi_draws_probability(outcomes):
    study = dk.voi.TwoArmBinary("pc", "pt")
    ev = dk.voi.evsi(outcomes, None, study=study, n=[10, 100, 1000], random_seed=5)
    res = dk.voi.enbs(ev, **POP, setup_cost=2e5, cost_per_participant=150)
    # the share of the EVSI regression's posterior draws with positive ENBS
    draws = ev._samples[:, 0, :] * 5000 - (2e5 + 2 * ev.n * 150)[:, None]
    np.testing.assert_allclose(res.probability["prob_positive"], (draws > 0).mean(axis=1))
    assert np.allclose(res.probability["study_cost_sd"], 0.0)


def test_bad_costs_are_refused(point_evsi):
    for bad in ((1.0, 2.0, 3.0), (-5.0, 1.0), np.array([1.0, -2.0, 3.0]), np.array([3.0])):
        with pytest.raises(ValidationError, match=r"of voi\.enbs"):
            dk.voi.enbs(point_evsi, **POP, setup_cost=bad, cost_per_participant=10)


@pytest.mark.parametrize("method", ["regression", "is", "mm"])
def test_evsi_diagnostics_plot(outcomes, method):
    study = dk.voi.TwoArmBinary("pc", "pt")
    res = dk.voi.evsi(outcomes, None, study=study, n=[10, 100], method=method, random_seed=6)
    ax = dk.plot.evsi_diagnostics(res)
    assert ax.get_xlabel() == "Sample size n per arm"
    assert len(ax.lines) >= 1 and len(ax.lines[0].get_xdata()) == 2
    plt.close(ax.figure)


def test_enbs_probability_plot(point_evsi):
    res = dk.voi.enbs(
        point_evsi, **POP, setup_cost=(2e5, 5e4), cost_per_participant=150, random_seed=7
    )
    ax = dk.plot.enbs_probability(res)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), res.probability["prob_positive"])
    plt.close(ax.figure)
    with pytest.raises(ValidationError, match="enbs_probability"):
        dk.plot.enbs_probability(point_evsi)
