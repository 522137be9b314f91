"""Second-order uncertainty: an outer loop over PSA draws, an inner simulated population."""

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.models import PSA
from decisionkit.models.cohort.psa import Beta, Gamma
from decisionkit.models.simulation import Microsimulation, _model, per_individual


def transition(params, cycle, strategy):
    p_ill = params["p_ill"] * (params["rr"] if strategy == "Drug" else 1.0)
    n = p_ill.shape[0]
    out = np.zeros((n, 3, 3))
    out[:, 0] = np.column_stack([1 - p_ill - 0.01, p_ill, np.full(n, 0.01)])
    out[:, 1] = [0.0, 0.9, 0.1]
    out[:, 2, 2] = 1.0
    return out


def costs(params, t, strategy):
    drug = 300.0 if strategy == "Drug" else 0.0
    n = params["c_ill"].shape[0]
    return np.column_stack([np.full(n, 100.0 + drug), params["c_ill"] + drug, np.zeros(n)])


def model():
    return Microsimulation(
        ["Well", "Ill", "Dead"],
        strategies=["Usual care", "Drug"],
        transition=transition,
        state_costs=costs,
        state_utilities=[0.95, 0.6, 0.0],
        n_cycles=15,
        dead="Dead",
    )


@pytest.fixture(scope="module")
def draws():
    psa = PSA(
        {
            "p_ill": Beta(mean=0.15, sd=0.03),
            "rr": Beta(mean=0.7, sd=0.08),
            "c_ill": Gamma(mean=2000.0, sd=400.0),
        }
    )
    return psa.sample(40, random_seed=1)


@pytest.fixture(scope="module")
def psa_run(draws):
    return model().run(draws, population=3_000, random_seed=7)


def test_psa_run_gives_an_outcome_distribution_with_the_parameters_as_inputs(psa_run, draws):
    out = psa_run.outcomes
    assert isinstance(out, dk.OutcomeDistribution)
    assert out.n_draws == 40 and out.actions == ["Usual care", "Drug"]
    pd.testing.assert_frame_equal(out.inputs.reset_index(drop=True), draws.reset_index(drop=True))
    assert dk.decide(out, dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=20_000))


def test_each_draw_agrees_with_the_cohort_run_of_that_draw(psa_run, draws):
    # Per draw, z = (micro - cohort) / MCSE ~ N(0, 1): over 40 draws x 2 strategies x 3
    # metrics the mean of z^2 is near 1 (a bias or a wrong MCSE would push it away).
    cohort = model().to_cohort().run(draws).values
    mcse = psa_run.mcse()
    z2 = []
    for m in ("cost", "qaly", "life_years"):
        diff = (psa_run.values[m] - cohort[m]).values.ravel()
        z2.append((diff / mcse[f"{m}_mcse"].to_numpy()) ** 2)
    z2 = np.concatenate(z2)
    assert 0.6 < z2.mean() < 1.5
    assert z2.max() < 20


def test_chunking_the_draws_does_not_change_the_numbers(draws, monkeypatch, psa_run):
    monkeypatch.setattr(_model, "_CHUNK_BYTES", 1)  # one draw per chunk
    again = model().run(draws, population=3_000, random_seed=7)
    np.testing.assert_array_equal(again.values["cost"], psa_run.values["cost"])


def test_per_individual_functions_see_each_individuals_draw(draws):
    sim = Microsimulation(
        ["Well", "Ill", "Dead"],
        strategies=["Usual care", "Drug"],
        transition=per_individual(
            lambda ind, params, cycle, s: transition(params, cycle, s)[np.arange(ind.n), ind.state]
        ),
        state_costs=costs,
        state_utilities=[0.95, 0.6, 0.0],
        n_cycles=15,
        dead="Dead",
    )
    a = sim.run(draws.iloc[:6], population=500, random_seed=3)
    b = model().run(draws.iloc[:6], population=500, random_seed=3)
    np.testing.assert_allclose(a.values["qaly"], b.values["qaly"], rtol=1e-12)


def test_summary_reports_between_draw_spread(psa_run):
    summary = psa_run.summary()
    assert {"cost_sd", "qaly_sd"} <= set(summary.columns)
    # parameter uncertainty dominates the first-order noise of the overall mean
    assert (summary["cost_sd"] > 5 * summary["cost_mcse"]).all()
