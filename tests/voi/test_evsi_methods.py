"""EVSI by regression, importance sampling and moment matching against closed forms."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import decisionkit as dk
from decisionkit.exceptions import ValidationError

N_DRAWS = 4000
M0, S0, SIGMA = 0.2, 1.0, 4.0  # prior mu ~ N(M0, S0^2); one observation has sd SIGMA
SIZES = [1, 4, 16, 64]


def lhs_normal(rng, n, mean, sd):
    return mean + sd * norm.ppf((rng.permutation(n) + rng.random(n)) / n)


def closed_form_evsi(n, m0=M0, s0=S0, sigma=SIGMA):
    """EVSI of a study of n observations when INB = mu (net benefit linear in mu).

    Prior mu ~ N(m0, s0^2), sample mean ~ N(mu, sigma^2 / n): the posterior mean M is a priori
    N(m0, v) with v = s0^4 / (s0^2 + sigma^2 / n) (Raiffa & Schlaifer 1961, the preposterior
    distribution). EVSI = E[max(0, M)] - max(0, m0), and for X ~ N(m, v)
    E[max(0, X)] = m Phi(m / sqrt v) + sqrt v phi(m / sqrt v) (the normal partial expectation).
    """
    sd = np.sqrt(s0**4 / (s0**2 + sigma**2 / n))
    return m0 * norm.cdf(m0 / sd) + sd * norm.pdf(m0 / sd) - max(0.0, m0)


def linear_model(params):
    """The decision model re-run by moment matching: NB = (0, mu)."""
    mu = params["mu"].to_numpy()
    return np.column_stack([np.zeros(len(mu)), mu])


@pytest.fixture(scope="module")
def normal_outcomes():
    rng = np.random.default_rng(21)
    mu = lhs_normal(rng, N_DRAWS, M0, S0)
    nb = np.column_stack([np.zeros(N_DRAWS), mu])
    return dk.OutcomeDistribution.from_arrays({"nb": nb}, inputs={"mu": mu})


STUDY = dk.voi.NormalMean("mu", SIGMA)
METHODS = [
    ("regression", {}),
    ("is", {}),
    ("mm", {}),  # posterior variance by reweighting the PSA draws
    ("mm", {"model": linear_model}),  # voi's way: the model re-run on conjugate posteriors
]


@pytest.mark.parametrize(("method", "extra"), METHODS, ids=["regression", "is", "mm", "mm-model"])
def test_every_method_is_within_three_se_of_the_closed_form(normal_outcomes, method, extra):
    res = dk.voi.evsi(
        normal_outcomes, None, study=STUDY, n=SIZES, method=method, random_seed=3, **extra
    )
    table = res.to_frame()
    want = np.array([closed_form_evsi(n) for n in SIZES])
    got, se = table["evsi"].to_numpy(), table["se"].to_numpy()
    assert np.all(se > 0)
    assert np.all(np.abs(got - want) <= 3 * se), (got, want, se)
    assert res.method == method and res.consistent


def test_moment_matching_variance_ratio_matches_the_conjugate_shrinkage(normal_outcomes):
    # preposterior sd / prior sd of mu = s0 / sqrt(s0^2 + sigma^2 / n) (same closed form)
    res = dk.voi.evsi(normal_outcomes, None, study=STUDY, n=SIZES, method="mm", random_seed=4)
    want = [S0 / np.sqrt(S0**2 + SIGMA**2 / n) for n in SIZES]
    np.testing.assert_allclose(res.diagnostics["variance_ratio"], want, rtol=0.05)


@pytest.fixture(scope="module")
def binary_outcomes():
    rng = np.random.default_rng(22)
    p = pd.DataFrame({"pc": rng.beta(10, 40, N_DRAWS), "pt": rng.beta(14, 36, N_DRAWS)})
    p["other"] = rng.normal(0, 1, N_DRAWS)  # an uninformed parameter with its own noise
    inb = 10_000 * (p["pt"] - p["pc"]) - 300 + 400 * p["other"]
    nb = np.column_stack([np.zeros(N_DRAWS), inb])
    return dk.OutcomeDistribution.from_arrays({"nb": nb}, actions=["SoC", "New"], inputs=p)


@pytest.mark.parametrize("method", ["regression", "is", "mm"])
def test_a_huge_study_is_worth_the_evppi_of_the_parameters_it_informs(binary_outcomes, method):
    study = dk.voi.TwoArmBinary("pc", "pt")
    res = dk.voi.evsi(binary_outcomes, None, study=study, n=10**6, method=method, random_seed=5)
    evppi = float(res.evppi["evppi"].iloc[0])
    reference = dk.voi.evppi(binary_outcomes, None, ["pc", "pt"]).evppi  # the EVPPI function
    assert evppi == pytest.approx(reference, rel=1e-6)
    assert res.evsi == pytest.approx(evppi, abs=3 * res.se + 0.01 * evppi)


def test_custom_study_with_a_user_likelihood_reproduces_the_built_in(binary_outcomes):
    built_in = dk.voi.TwoArmBinary("pc", "pt")
    custom = dk.voi.CustomStudy(
        simulate=built_in.simulate, parameters=("pc", "pt"), loglik=built_in.loglik
    )
    a = dk.voi.evsi(binary_outcomes, None, study=built_in, n=[20, 200], method="is", random_seed=6)
    b = dk.voi.evsi(binary_outcomes, None, study=custom, n=[20, 200], method="is", random_seed=6)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_importance_sampling_does_not_depend_on_the_working_memory(binary_outcomes):
    study = dk.voi.TwoArmBinary("pc", "pt")
    a = dk.voi.evsi(binary_outcomes, None, study=study, n=50, method="is", random_seed=7)
    with dk.set_options(working_memory=0.5):  # blocks of a few data sets
        b = dk.voi.evsi(binary_outcomes, None, study=study, n=50, method="is", random_seed=7)
    np.testing.assert_allclose(a.to_frame()["evsi"], b.to_frame()["evsi"], rtol=1e-12)


def test_diagnostics_describe_each_fit(binary_outcomes):
    study = dk.voi.TwoArmBinary("pc", "pt")
    reg = dk.voi.evsi(binary_outcomes, None, study=study, n=[10, 1000], random_seed=8)
    r2 = reg.diagnostics["r2"].to_numpy()
    assert r2[1] > r2[0] > 0  # a larger study explains more of the net benefit
    assert set(reg.diagnostics.columns) >= {"n", "comparison", "r2", "edf", "basis_size"}
    assert reg.diagnostics["n_distinct"].iloc[0] < N_DRAWS  # few distinct counts at n = 10
    imp = dk.voi.evsi(binary_outcomes, None, study=study, n=[10, 1000], method="is", random_seed=8)
    ess = imp.diagnostics["ess_median"].to_numpy()
    assert ess[0] > ess[1]  # more data, fewer draws carry the weight


def test_a_design_breaking_the_evppi_bound_warns_and_reports(binary_outcomes):
    # the design claims to inform 'other' but its data reveal pt - pc: EVSI > EVPPI('other')
    def simulate(params, n, rng):
        return pd.DataFrame({"signal": params["pt"] - params["pc"]})

    study = dk.voi.CustomStudy(simulate=simulate, parameters=("other",))
    with pytest.warns(dk.voi.EVSIConsistencyWarning, match="EVSI <= EVPPI"):
        res = dk.voi.evsi(binary_outcomes, None, study=study, n=10, random_seed=9)
    assert not res.consistent
    failed = res.check[~res.check["ok"]]
    assert list(failed["check"]) == ["EVSI <= EVPPI"]
    assert "Failed consistency checks" in repr(res)


def test_an_estimate_with_se_above_its_value_is_flagged():
    # few noisy draws and a weak study (one observation, sd 10 against a prior sd 1): the
    # estimate at n = 1 is near zero and less certain than its own size
    rng = np.random.default_rng(10)
    p = pd.DataFrame({"mu": rng.normal(0.3, 1, 300), "e": rng.normal(0, 1, 300)})
    nb = np.column_stack([np.zeros(300), p["mu"] + 3 * p["e"]])
    out = dk.OutcomeDistribution.from_arrays({"nb": nb}, inputs=p)
    study = dk.voi.NormalMean("mu", 10.0)
    res = dk.voi.evsi(out, None, study=study, n=[1, 100], random_seed=12)
    table = res.to_frame()
    assert table["se"].iloc[0] > table["evsi"].iloc[0]
    assert res.flags.tolist() == ["unreliable: se > estimate", ""]
    assert "unreliable: se > estimate" in repr(res)


# ---------------------------------------------------------------------- bad input
def test_sample_sizes_must_be_positive_integers(normal_outcomes):
    for bad in (0, -3, 2.5, [10, 0]):
        with pytest.raises(ValidationError, match=r"'n' parameter of voi\.evsi"):
            dk.voi.evsi(normal_outcomes, None, study=STUDY, n=bad, method="is")


def test_a_design_naming_absent_parameters_is_refused(normal_outcomes):
    study = dk.voi.NormalMean("theta", SIGMA)
    for method in ("regression", "is", "mm"):
        with pytest.raises(ValidationError, match=r"evsi: parameter\(s\) \['theta'\]"):
            dk.voi.evsi(normal_outcomes, None, study=study, n=10, method=method)


@pytest.mark.parametrize("bad", [np.nan, -np.inf])
def test_a_likelihood_of_nan_or_zero_for_every_draw_is_refused(normal_outcomes, bad):
    def loglik(params, data, n):
        return np.full((len(data), len(params)), bad)

    study = dk.voi.CustomStudy(simulate=STUDY.simulate, parameters=("mu",), loglik=loglik)
    match = "NaN" if np.isnan(bad) else "zero for every parameter draw"
    for method in ("is", "mm"):
        with pytest.raises(ValidationError, match=f"evsi: .*{match}"):
            dk.voi.evsi(normal_outcomes, None, study=study, n=10, method=method, random_seed=1)


def test_methods_needing_a_likelihood_or_posterior_say_so(normal_outcomes):
    bare = dk.voi.CustomStudy(simulate=STUDY.simulate, parameters=("mu",))
    with pytest.raises(ValidationError, match=r"evsi: method='is' needs .* loglik"):
        dk.voi.evsi(normal_outcomes, None, study=bare, n=10, method="is")
    with pytest.raises(ValidationError, match=r"evsi: method='mm' needs .* posterior"):
        dk.voi.evsi(normal_outcomes, None, study=bare, n=10, method="mm", model=linear_model)
    with pytest.raises(ValidationError, match=r"'method' parameter of voi\.evsi"):
        dk.voi.evsi(normal_outcomes, None, study=STUDY, n=10, method="gam")
    with pytest.raises(ValidationError, match=r"'model' parameter of voi\.evsi"):
        dk.voi.evsi(normal_outcomes, None, study=STUDY, n=10, method="is", model=linear_model)
    with pytest.raises(ValidationError, match=r"'n_datasets' parameter of voi\.evsi"):
        dk.voi.evsi(normal_outcomes, None, study=STUDY, n=10, method="mm", n_datasets=2)


def test_a_model_returning_the_wrong_shape_is_refused(normal_outcomes):
    def model(params):
        return np.zeros((len(params), 3))

    with pytest.raises(ValidationError, match=r"evsi: model\(\) returned net benefit of shape"):
        dk.voi.evsi(normal_outcomes, None, study=STUDY, n=10, method="mm", model=model)


def test_moment_matching_with_the_model_agrees_with_the_other_methods(binary_outcomes):
    # independent beta priors: the design's conjugate posterior is exact, so re-running the
    # model on posterior draws (voi's moment matching) must agree with regression and IS
    def model(params):
        inb = 10_000 * (params["pt"] - params["pc"]) - 300 + 400 * params["other"]
        return np.column_stack([np.zeros(len(params)), inb.to_numpy()])

    study = dk.voi.TwoArmBinary("pc", "pt")
    kw = dict(study=study, n=[30, 300], random_seed=13)
    mm = dk.voi.evsi(binary_outcomes, None, method="mm", model=model, **kw).to_frame()
    for other in ("regression", "is"):
        ref = dk.voi.evsi(binary_outcomes, None, method=other, **kw).to_frame()
        gap = np.abs(mm["evsi"] - ref["evsi"])
        assert np.all(gap <= 3 * np.hypot(mm["se"], ref["se"])), (other, mm, ref)


def test_explicit_priors_drive_the_conjugate_posterior(binary_outcomes):
    # voi's analysis_args: Beta(a, b) prior and x events in n give Beta(a + x, b + n - x)
    study = dk.voi.TwoArmBinary("pc", "pt", prior_control=(2.0, 8.0), prior_treatment=(1, 1))
    data = pd.DataFrame({"events_control": [30], "events_treatment": [55]})
    params = pd.DataFrame({"pc": [0.2, 0.3], "pt": [0.4, 0.5]})
    post = study.posterior(params, data, 100, 20_000, np.random.default_rng(1))
    assert post["pc"].mean() == pytest.approx(32 / 110, abs=0.002)
    assert post["pt"].mean() == pytest.approx(56 / 102, abs=0.002)
    normal = dk.voi.NormalMean("mu", 2.0, prior=(1.0, 0.5))
    rng = np.random.default_rng(2)
    draws = normal.posterior(params, pd.DataFrame({"mean": [0.0]}), 16, 20_000, rng)["mu"]
    # precision 1/0.25 + 16/4 = 8: mean (1/0.25) / 8 = 0.5, sd sqrt(1/8)
    assert draws.mean() == pytest.approx(0.5, abs=0.01)
    assert draws.std() == pytest.approx(np.sqrt(1 / 8), rel=0.02)
    with pytest.raises(ValidationError, match="'prior_control' parameter of TwoArmBinary"):
        dk.voi.TwoArmBinary("pc", "pt", prior_control=(0.0, 1.0))


def test_without_study_parameters_only_monotonicity_is_checked(binary_outcomes):
    # a design that does not name its parameters has no EVPPI to compare with
    study = dk.voi.CustomStudy(simulate=dk.voi.TwoArmBinary("pc", "pt").simulate)
    res = dk.voi.evsi(binary_outcomes, None, study=study, n=[10, 100], random_seed=14)
    assert res.check["check"].tolist() == ["EVSI non-decreasing in n"]
    assert res.evppi.empty and res.consistent
