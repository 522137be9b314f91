"""Tests for decisionkit.models.cohort.psa (PSA parameter distributions and correlated sampling)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort.psa import (
    PSA,
    Beta,
    Dirichlet,
    Fixed,
    Gamma,
    LogNormal,
    Normal,
    Triangular,
    TruncatedNormal,
    Uniform,
)

N_LARGE = 200_000


# ---------------------------------------------------------------- method of moments
@pytest.mark.parametrize(
    ("dist", "mean", "sd"),
    [
        (Beta(mean=0.3, sd=0.05), 0.3, 0.05),
        (Gamma(mean=1200.0, sd=300.0), 1200.0, 300.0),
        (LogNormal(mean=0.6, sd=0.1), 0.6, 0.1),
    ],
)
def test_mean_sd_constructors_reproduce_mean_and_sd_in_large_samples(dist, mean, sd):
    # Source: method of moments (Briggs, Claxton & Sculpher 2006, section 4.3): the fitted
    # distribution has exactly the requested mean and sd; a sample of 200,000 matches them to
    # within ~5 Monte-Carlo standard errors.
    x = dist.sample(N_LARGE, random_seed=11)
    assert dist.mean == pytest.approx(mean, rel=1e-12)
    assert dist.sd == pytest.approx(sd, rel=1e-12)
    assert x.mean() == pytest.approx(mean, abs=5 * sd / np.sqrt(N_LARGE))
    assert x.std() == pytest.approx(sd, rel=0.01)


def test_beta_shape_parameters_match_method_of_moments_formula():
    # Briggs et al. (2006) eq. 4.3: alpha = m(m(1-m)/s^2 - 1), beta = (1-m)(...) ;
    # mean 0.3, sd 0.05: k = 0.21/0.0025 - 1 = 83, alpha = 24.9, beta = 58.1.
    b = Beta(mean=0.3, sd=0.05)
    assert (b.alpha, b.beta) == pytest.approx((24.9, 58.1))


def test_beta_from_counts_is_beta_of_events_and_non_events():
    # Closed form: Beta(a, b) has mean a/(a+b) = 30/100.
    b = Beta.from_counts(30, 70)
    assert b.mean == pytest.approx(0.3)
    assert b.ppf(0.9) == pytest.approx(stats.beta(30, 70).ppf(0.9))


def test_gamma_from_shape_accepts_rate_or_scale():
    # Closed form: rate = 1/scale; mean = shape * scale = 20/10000 (DARTH r_HD).
    assert Gamma.from_shape(20, rate=10_000).mean == pytest.approx(0.002)
    assert Gamma.from_shape(20, scale=1e-4) == Gamma.from_shape(20, rate=10_000)


def test_lognormal_from_log_matches_scipy_lognorm():
    # scipy.stats.lognorm(s=sdlog, scale=exp(meanlog)) is R's rlnorm(meanlog, sdlog).
    d = LogNormal.from_log(np.log(3), 0.1)
    assert d.ppf(0.25) == pytest.approx(stats.lognorm(s=0.1, scale=3).ppf(0.25))


def test_lognormal_log_scale_parameters_follow_moment_formula():
    # sigma^2 = log(1 + s^2/m^2), mu = log(m) - sigma^2/2
    d = LogNormal(mean=2.0, sd=1.0)
    assert d.sdlog**2 == pytest.approx(np.log(1.25))
    assert d.meanlog == pytest.approx(np.log(2) - np.log(1.25) / 2)


@pytest.mark.parametrize(
    ("dist", "mean", "sd"),
    [
        (Normal(5.0, 2.0), 5.0, 2.0),
        (Uniform(2.0, 8.0), 5.0, 6.0 / np.sqrt(12)),  # (b-a)/sqrt(12)
        # triangular: mean (a+c+b)/3; var (a^2+b^2+c^2-ab-ac-bc)/18 with a=0,c=1,b=4
        (Triangular(0.0, 1.0, 4.0), 5.0 / 3.0, np.sqrt((0 + 16 + 1 - 0 - 0 - 4) / 18)),
        # half-normal: mean sigma*sqrt(2/pi), sd sigma*sqrt(1-2/pi)
        (
            TruncatedNormal(0.0, 2.0, 0.0, np.inf),
            2 * np.sqrt(2 / np.pi),
            2 * np.sqrt(1 - 2 / np.pi),
        ),
        (Fixed(7.0), 7.0, 0.0),
    ],
)
def test_other_distributions_have_closed_form_moments(dist, mean, sd):
    assert dist.mean == pytest.approx(mean)
    assert dist.sd == pytest.approx(sd)


def test_truncated_normal_draws_stay_within_bounds():
    x = TruncatedNormal(0.8, 0.2, 0.0, 1.0).sample(10_000, random_seed=2)
    assert x.min() >= 0.0 and x.max() <= 1.0


def test_dirichlet_draws_sum_to_one_and_match_mean_and_sd():
    # Dirichlet moments: E p_k = a_k/a0, Var p_k = a_k(a0-a_k)/(a0^2 (a0+1)).
    counts = np.array([60.0, 30.0, 10.0])
    d = Dirichlet(counts, names=["stay", "progress", "die"])
    x = d.sample(N_LARGE, random_seed=3)
    a0 = counts.sum()
    assert np.allclose(x.sum(axis=1), 1.0)
    assert np.allclose(x.mean(axis=0), counts / a0, atol=2e-3)
    assert np.allclose(
        x.std(axis=0), np.sqrt(counts * (a0 - counts) / (a0**2 * (a0 + 1))), rtol=0.02
    )


# ---------------------------------------------------------------- PSA sampling
def test_psa_sample_has_one_row_per_draw_and_dirichlet_columns():
    psa = PSA({"p": Beta.from_counts(3, 7), "trans": Dirichlet([5, 3, 2]), "c": Fixed(10.0)})
    df = psa.sample(50, random_seed=0)
    assert isinstance(df, pd.DataFrame)
    assert df.shape == (50, 5)
    assert list(df.columns) == ["p", "trans[0]", "trans[1]", "trans[2]", "c"]


def test_psa_same_seed_gives_same_draws():
    psa = PSA({"p": Beta(mean=0.2, sd=0.05), "d": Dirichlet([1, 2])}, correlation=None)
    pd.testing.assert_frame_equal(psa.sample(100, random_seed=5), psa.sample(100, random_seed=5))
    assert not psa.sample(100, random_seed=5).equals(psa.sample(100, random_seed=6))


@pytest.mark.parametrize("rho", [-0.7, 0.4, 0.9])
def test_correlated_sampling_reproduces_requested_rank_correlation(rho):
    # Gaussian copula with r = 2 sin(pi rho/6) has Spearman correlation exactly rho
    # (Kruskal 1958); with 50,000 draws the sample Spearman is within ~0.01.
    psa = PSA(
        {"u": Beta(mean=0.8, sd=0.1), "c": Gamma(mean=500, sd=400), "z": Normal(0, 1)},
        correlation={("u", "c"): rho},
    )
    df = psa.sample(50_000, random_seed=7)
    assert stats.spearmanr(df["u"], df["c"]).statistic == pytest.approx(rho, abs=0.015)
    assert abs(stats.spearmanr(df["u"], df["z"]).statistic) < 0.015


def test_correlation_matrix_dataframe_matches_pair_dict():
    pairs = {("a", "b"): 0.5}
    mat = pd.DataFrame([[1, 0.5], [0.5, 1]], index=["a", "b"], columns=["a", "b"])
    dists = {"a": Normal(0, 1), "b": Uniform(0, 1)}
    pd.testing.assert_frame_equal(
        PSA(dists, correlation=pairs).sample(200, random_seed=1),
        PSA(dists, correlation=mat).sample(200, random_seed=1),
    )


def test_correlation_keeps_marginals():
    # Correlation must not change marginals: Beta(2, 5) quantiles still hold.
    psa = PSA({"a": Beta.from_counts(2, 5), "b": Normal(0, 1)}, correlation={("a", "b"): 0.8})
    a = psa.sample(50_000, random_seed=8)["a"]
    assert stats.kstest(a, stats.beta(2, 5).cdf).pvalue > 0.001


def test_base_case_is_the_means():
    psa = PSA({"p": Beta.from_counts(1, 3), "d": Dirichlet([1, 3], names=["x", "y"])})
    assert psa.base_case() == pytest.approx({"p": 0.25, "x": 0.25, "y": 0.75})


def test_ranges_are_central_quantiles():
    # Closed form: Normal(10, 2) 95% central interval = 10 -/+ 1.959964 * 2.
    r = PSA({"x": Normal(10, 2)}).ranges(0.95).set_index("parameter")
    assert r.loc["x", "low"] == pytest.approx(10 - 1.959963985 * 2)
    assert r.loc["x", "high"] == pytest.approx(10 + 1.959963985 * 2)
    assert r.loc["x", "base"] == 10


def test_distributions_are_immutable():
    b = Beta(mean=0.5, sd=0.1)
    with pytest.raises(AttributeError, match="immutable"):
        b.alpha = 3


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("build", "error", "fragment"),
    [
        (lambda: Beta(mean=0.5, sd=0.6), ValidationError, "sd^2 < mean * (1 - mean)"),
        (lambda: Beta(mean=1.2, sd=0.1), ValidationError, "'mean' parameter of Beta"),
        (lambda: Beta.from_counts(0, 5), ValidationError, "'events' parameter"),
        (lambda: Gamma(mean=-3, sd=1), ValidationError, "'mean' parameter of Gamma"),
        (lambda: Gamma(mean=3, sd=0), ValidationError, "'sd' parameter of Gamma"),
        (lambda: Gamma.from_shape(2), ValidationError, "exactly one of 'scale' or 'rate'"),
        (lambda: LogNormal(mean=0, sd=1), ValidationError, "'mean' parameter of LogNormal"),
        (lambda: Normal(float("nan"), 1), ValidationError, "finite"),
        (lambda: Uniform(3, 1), ValidationError, "'high' parameter of Uniform"),
        (lambda: Triangular(0, 5, 1), ValidationError, "'mode' parameter"),
        (lambda: TruncatedNormal(0, 1, 50, 60), ValidationError, "no probability"),
        (lambda: Dirichlet([3, 0, 2]), ValidationError, "are zero"),
        (lambda: Dirichlet([3, 2], names=["a"]), ValidationError, "one name per count"),
        (lambda: PSA({}), ValidationError, "non-empty dict"),
        (lambda: PSA({"a": 0.3}), ValidationError, "Fixed(value)"),
        (
            lambda: PSA({"a": Normal(0, 1)}, correlation={("a", "b"): 0.2}),
            ValidationError,
            "not a parameter",
        ),
        (
            lambda: PSA({"a": Normal(0, 1), "b": Fixed(1)}, correlation={("a", "b"): 0.2}),
            ValidationError,
            "cannot be correlated",
        ),
        (
            lambda: PSA(
                {"a": Normal(0, 1), "b": Normal(0, 1), "c": Normal(0, 1)},
                correlation={("a", "b"): 0.9, ("a", "c"): 0.9, ("b", "c"): -0.9},
            ),
            ValidationError,
            "positive semi-definite",
        ),
        (
            lambda: PSA({"a": Normal(0, 1), "b": Normal(0, 1)}, correlation={("a", "b"): 1.5}),
            ValidationError,
            "<= 1",
        ),
        (
            lambda: PSA({"x": Normal(0, 1), "d": Dirichlet([1, 1], names=["x", "y"])}),
            ValidationError,
            "unique names",
        ),
        (lambda: PSA({"a": Normal(0, 1)}).sample(0), ValidationError, "'n' parameter"),
    ],
)
def test_bad_input_raises_clear_error(build, error, fragment):
    with pytest.raises(error) as info:
        build()
    assert fragment in str(info.value)


def test_distributions_compare_by_exact_parameters():
    assert Gamma.from_shape(4.0, scale=0.5) == Gamma(mean=2.0, sd=1.0)
    assert Normal(0.0, 1.0) != Normal(0.0, 1.0000001)
    assert Dirichlet([1, 2]) == Dirichlet([1.0, 2.0])
