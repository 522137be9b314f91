"""NMA draws handed to a cohort model keep their joint posterior (correlations)."""

import numpy as np
import pytest
from scipy.special import logit

import decisionkit as dk


@pytest.fixture(scope="module")
def nma(abc_fixed_nma):
    return abc_fixed_nma


def _corr(frame, a="d[B]", b="d[C]"):
    return float(np.corrcoef(frame[a], frame[b])[0, 1])


def test_psa_inputs_are_joint_posterior_rows(nma):
    post = nma.relative_effect_draws()
    posterior_corr = float(np.corrcoef(post.sel(treatment="B"), post.sel(treatment="C"))[0, 1])
    assert posterior_corr > 0.2  # independent marginals would give ~0 and fail the checks below
    psa = nma.psa_inputs(0.15, random_seed=1)
    assert len(psa) == post.sizes["draw"]
    assert _corr(psa) == pytest.approx(posterior_corr, abs=1e-12)
    # absolute effects: logit(p_k) = logit(p_ref) + d_k in every row
    np.testing.assert_allclose(logit(psa["p[B]"]) - logit(psa["p[A]"]), psa["d[B]"])
    # a random subset of whole rows keeps the correlation up to sampling error
    # (sd of a sample correlation ~ (1 - r^2)/sqrt(n) ~ 0.03 for n = 800)
    sub = nma.psa_inputs(0.15, n_draws=800, random_seed=2)
    assert _corr(sub) == pytest.approx(posterior_corr, abs=0.1)


def test_cohort_model_keeps_the_nma_correlation_and_feeds_evppi(nma):
    psa = nma.psa_inputs(0.15, n_draws=1000, random_seed=3)
    strategies = ["A", "B", "C"]

    def transition(p, cycle, strategy):
        die = p[f"p[{strategy}]"]
        out = np.zeros((die.size, 2, 2))
        out[:, 0, 0], out[:, 0, 1], out[:, 1, 1] = 1 - die, die, 1.0
        return out

    model = dk.models.MarkovModel(
        ["Alive", "Dead"],
        strategies=strategies,
        transition=transition,
        state_costs={"A": [100.0, 0.0], "B": [900.0, 0.0], "C": [1500.0, 0.0]},
        state_utilities=[0.8, 0.0],
        n_cycles=10,
        dead="Dead",
    )
    result = model.run(psa)
    assert _corr(result.inputs) == pytest.approx(_corr(psa), abs=1e-12)
    out = result.outcomes
    u = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=20_000)
    both = dk.voi.evppi(out, u, parameters=["d[B]", "d[C]"], random_seed=1)
    assert 0.0 <= both.evppi <= both.evpi + 1e-6 and both.evpi > 0


def test_baseline_from_a_random_effects_model_of_the_reference_arms(nma):
    arms = nma.reference_arms()
    assert arms["events"].tolist() == [30, 40, 25] and list(arms.columns) == [
        "group",
        "events",
        "n",
    ]
    # three studies say little about the between-study sd: a tighter prior and a high
    # target_accept keep the sampler free of divergences
    base = dk.models.HierarchicalRates(
        prior_tau_sd=0.5,
        target_accept=0.99,
        random_seed=1,
        draws=1000,
        tune=500,
        chains=2,
        progressbar=False,
    ).fit(arms)
    psa = nma.psa_inputs(base, n_draws=500, random_seed=4)
    # the predictive baseline is centred near the pooled reference rate 95/600 (closed form)
    assert float(psa["p[A]"].median()) == pytest.approx(95 / 600, abs=0.04)
    assert psa["p[A]"].std() > 0


def test_psa_inputs_argument_errors(nma):
    with pytest.raises(ValueError, match="'baseline' parameter"):
        nma.psa_inputs(1.5)
    with pytest.raises(ValueError, match="'baseline' parameter"):
        nma.psa_inputs(np.full(3, 0.1), n_draws=10)
    with pytest.raises(ValueError, match="'n_draws' parameter"):
        nma.psa_inputs(0.1, n_draws=10**6)
    with pytest.raises(ValueError, match="'link' parameter"):
        nma.psa_inputs(0.1, link="probit")


def test_loo_reads_the_stored_pointwise_log_likelihood(nma):
    # one pointwise term per arm (7 arms); the sum of the pointwise elpd is the elpd
    loo = nma.loo()
    assert loo.n_data_points == 7
    assert float(loo.elpd_i.sum()) == pytest.approx(loo.elpd)
    assert "log_likelihood" in nma.idata_.children
