"""EVSI of a new trial added to a network meta-analysis (NetworkTrial)."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.models.evidence import NetworkMetaAnalysis, NetworkTrial

BASELINE = 0.15  # death risk on A in the decision's population
COST = {"A": 0.0, "B": 2_200.0, "C": 2_500.0}


@pytest.fixture(scope="module")
def nma(abc_fixed_nma):  # A-B, A-C and A-B-C trials: B and C compared directly only in T3
    return abc_fixed_nma


@pytest.fixture(scope="module")
def decision(nma):
    inputs = nma.psa_inputs(BASELINE, random_seed=1)
    inputs["d_BC"] = inputs["d[C]"] - inputs["d[B]"]  # the contrast a B-vs-C trial measures
    # net benefit: 50,000 per death averted minus the treatment's cost
    nb = np.column_stack([-50_000 * inputs[f"p[{t}]"] - COST[t] for t in COST])
    return dk.OutcomeDistribution.from_arrays({"nb": nb}, actions=list(COST), inputs=inputs)


def test_simulated_events_follow_the_draws_relative_effects(nma):
    # logit p_C = logit(0.2) + d_C - d_B in every draw (binomial-logit model of TSD 2)
    params = pd.DataFrame({"d[B]": np.full(20_000, -0.4), "d[C]": np.full(20_000, 0.3)})
    design = NetworkTrial(nma, "B", "C", baseline=0.2)
    stats = design.simulate(params, 50, np.random.default_rng(2))
    p_c = expit(logit(0.2) + 0.7)
    assert list(stats.columns) == ["events[B]", "events[C]"]
    assert stats["events[B]"].mean() / 50 == pytest.approx(0.2, abs=0.002)
    assert stats["events[C]"].mean() / 50 == pytest.approx(p_c, abs=0.002)
    assert design.parameters == ("d[B]", "d[C]") and design.participants_per_n == 2


def test_reference_arm_and_baseline_column(nma):
    design = NetworkTrial(nma, "A", "C", baseline="p[A]", heterogeneity="tau")
    assert design.parameters == ("d[C]", "p[A]", "tau")
    params = pd.DataFrame({"d[C]": np.zeros(4000), "p[A]": 0.3, "tau": 1.0})
    stats = design.simulate(params, 100, np.random.default_rng(3))
    # a study effect N(0, 1) around d = 0: the C arm varies far more than binomial noise
    assert stats["events[C]"].var() > 3 * stats["events[A]"].var()


def test_log_link_gives_risk_ratios(nma):
    params = pd.DataFrame({"d[B]": np.full(20_000, np.log(0.5))})
    design = NetworkTrial(nma, "A", "B", baseline=0.3, link="log")
    stats = design.simulate(params, 40, np.random.default_rng(4))
    assert stats["events[B]"].mean() / 40 == pytest.approx(0.15, abs=0.002)


def test_evsi_of_a_huge_trial_tends_to_the_evppi_of_its_contrast(decision, nma):
    design = NetworkTrial(nma, "B", "C", baseline=BASELINE)
    res = dk.voi.evsi(decision, None, study=design, n=[30, 300, 200_000], random_seed=5)
    evppi = dk.voi.evppi(decision, None, parameters=["d_BC"], random_seed=5)
    small, medium, huge = res.evsi.to_numpy()
    # the B-vs-C comparison matters, but so does A: EVPPI(d_BC) is well below EVPI
    assert 0.3 * evppi.evpi < evppi.evppi < 0.9 * evppi.evpi
    # EVSI(n -> infinity) = EVPPI of the contrast the trial measures (Strong et al. 2015)
    assert huge == pytest.approx(evppi.evppi, rel=0.1)
    assert small < medium < huge <= evppi.evpi


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"treatment_b": "D"}, "'treatment_b' parameter of NetworkTrial"),
        ({"treatment_b": "B"}, "compares 'B' with itself"),
        ({"baseline": 1.2}, "'baseline' parameter of NetworkTrial"),
        ({"heterogeneity": -1.0}, "'heterogeneity' parameter of NetworkTrial"),
        ({"link": "identity"}, "'link' parameter of NetworkTrial"),
    ],
)
def test_bad_designs_raise_clear_errors(nma, kwargs, fragment):
    args = {"network": nma, "treatment_a": "B", "treatment_b": "C", "baseline": 0.1} | kwargs
    with pytest.raises(ValidationError, match=fragment):
        NetworkTrial(**args)


def test_unfitted_network_and_bad_simulation_input(nma):
    with pytest.raises(ValidationError, match="fitted NetworkMetaAnalysis"):
        NetworkTrial(NetworkMetaAnalysis(), "A", "B", baseline=0.1)
    design = NetworkTrial(nma, "B", "C", baseline=0.1)
    with pytest.raises(ValidationError, match=r"NetworkTrial\.simulate: the sample size n must be"):
        design.simulate(pd.DataFrame({"d[B]": [0.0], "d[C]": [0.0]}), 0, np.random.default_rng())
    with pytest.raises(
        ValidationError, match=r"NetworkTrial\.simulate: the PSA inputs have no column 'd"
    ):
        design.simulate(pd.DataFrame({"dB": [0.0]}), 10, np.random.default_rng())


def test_heterogeneity_column_needs_a_random_effects_model(nma):
    with pytest.raises(ValidationError, match="'heterogeneity' parameter of NetworkMetaAnalysis"):
        nma.psa_inputs(0.1, heterogeneity=True)


@pytest.mark.slow  # a second PyMC fit (the refit with the simulated trial added)
def test_regression_matches_the_full_posterior_update_for_one_simulated_trial(nma):
    # The regression method's premise: E[d_BC | simulated events] from a regression over the
    # PSA draws equals the posterior mean of d_BC after refitting the network with that trial
    # (nma.updated). Checked for one simulated trial of 300 per arm.
    from decisionkit.voi._regression import REGRESSIONS

    rng = np.random.default_rng(21)
    inputs = nma.psa_inputs(BASELINE, random_seed=1)
    design = NetworkTrial(nma, "B", "C", baseline=BASELINE)
    stats = design.simulate(inputs, 300, rng)
    d_bc = (inputs["d[C]"] - inputs["d[B]"]).to_numpy()
    fit = REGRESSIONS["gam"](stats.to_numpy(dtype=float), d_bc[:, None], rng)
    row = int(np.argsort(d_bc)[len(d_bc) // 3])  # a trial from the lower-middle of the prior
    new = pd.DataFrame(
        {
            "study": ["NEW", "NEW"],
            "treatment": ["B", "C"],
            "events": stats.iloc[row].to_numpy(dtype=int),
            "total": [300, 300],
        }
    )
    refit = nma.updated(new)
    post = refit.relative_effect_draws(reference="B").sel(treatment="C").values
    prior_sd = d_bc.std()
    assert post.std() < 0.8 * prior_sd  # the trial is informative
    assert fit.fitted[row, 0] == pytest.approx(post.mean(), abs=0.25 * post.std())
