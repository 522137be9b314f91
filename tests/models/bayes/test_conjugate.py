"""Tests of the closed-form conjugate posteriors against scipy.stats and textbook updates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from decisionkit.exceptions import NotFittedError, ValidationError
from decisionkit.models import BetaBinomial, GammaPoisson, NormalKnownVariance

N_MC = 40_000
# Monte-Carlo tolerance: |mean of N draws - exact mean| < 4.5 * sd / sqrt(N)
# (two-sided normal tail probability 7e-6 per comparison).
MC_Z = 4.5


def assert_draws_match(draws: np.ndarray, mean: np.ndarray, var: np.ndarray) -> None:
    se_mean = np.sqrt(var / draws.shape[0])
    assert np.all(np.abs(draws.mean(axis=0) - mean) < MC_Z * se_mean)
    # the sample variance has sd ~ var * sqrt(2 / N) for near-normal draws; 4.5x slack
    # plus a kurtosis allowance of 2x covers the skewed Gamma / Beta cases used here
    se_var = var * np.sqrt(2.0 / draws.shape[0]) * 2.0
    assert np.all(np.abs(draws.var(axis=0) - var) < MC_Z * se_var)


# ---------------------------------------------------------------- Beta-Binomial
def test_beta_binomial_posterior_parameters_follow_the_conjugate_update():
    # BDA3 section 2.4: Beta(a, b) prior + x events in n -> Beta(a + x, b + n - x)
    bb = BetaBinomial(prior_alpha=2, prior_beta=3).fit([12, 0], [100, 20], names=["A", "B"])
    assert bb.posterior_.loc["A"].tolist() == [14.0, 91.0]
    assert bb.posterior_.loc["B"].tolist() == [2.0, 23.0]


def test_beta_binomial_mean_and_var_equal_scipy_to_1e12():
    bb = BetaBinomial(prior_alpha=0.5, prior_beta=0.5).fit([12, 30, 1], [100, 150, 7])
    ref = stats.beta([12.5, 30.5, 1.5], [88.5, 120.5, 6.5])
    np.testing.assert_allclose(bb.mean().to_numpy(), ref.mean(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(bb.var().to_numpy(), ref.var(), rtol=1e-12, atol=0)


def test_beta_binomial_interval_equals_scipy_quantiles():
    bb = BetaBinomial().fit(12, 100)
    ci = bb.interval(0.9)
    lo, hi = stats.beta(13, 89).ppf([0.05, 0.95])
    assert ci.loc["arm_0", "lower"] == pytest.approx(lo, rel=1e-12)
    assert ci.loc["arm_0", "upper"] == pytest.approx(hi, rel=1e-12)


def test_beta_binomial_draws_match_exact_moments_within_mc_error():
    bb = BetaBinomial().fit([12, 30], [100, 150])
    draws = bb.sample(N_MC, random_seed=7)
    assert draws.dims == ("draw", "arm") and draws.shape == (N_MC, 2)
    assert_draws_match(draws.values, bb.mean().to_numpy(), bb.var().to_numpy())


def test_series_input_supplies_arm_names():
    events = pd.Series([3, 5], index=["Drug", "Placebo"])
    bb = BetaBinomial().fit(events, [10, 10])
    assert bb.arms == ["Drug", "Placebo"]
    assert list(bb.sample(5, random_seed=0)["arm"].values) == ["Drug", "Placebo"]


def test_same_seed_gives_identical_draws():
    bb = BetaBinomial().fit([3, 5], [10, 10])
    a = bb.sample(100, random_seed=3).values
    b = bb.sample(100, random_seed=np.random.default_rng(3)).values
    np.testing.assert_array_equal(a, b)


def test_to_frame_is_long_one_row_per_arm_and_parameter():
    frame = BetaBinomial().fit([3, 5], [10, 10], names=["A", "B"]).to_frame()
    assert list(frame.columns) == ["arm", "parameter", "value"]
    assert len(frame) == 4
    assert frame.set_index(["arm", "parameter"]).loc[("B", "beta"), "value"] == 6.0


def test_summary_reports_mean_sd_and_interval():
    table = BetaBinomial().fit([3], [10]).summary(prob=0.9)
    assert table.loc["arm_0", "mean"] == pytest.approx(4 / 12, rel=1e-12)
    assert {"lower_90%", "upper_90%", "sd"} <= set(table.columns)


# ---------------------------------------------------------------- Gamma-Poisson
def test_gamma_poisson_posterior_follows_the_conjugate_update():
    # BDA3 section 2.6: Gamma(a, b) + y events over exposure t -> Gamma(a + y, b + t)
    gp = GammaPoisson(prior_shape=2, prior_rate=4).fit([7, 0], exposure=[10.5, 3.0])
    assert gp.posterior_["shape"].tolist() == [9.0, 2.0]
    assert gp.posterior_["rate"].tolist() == [14.5, 7.0]


def test_gamma_poisson_mean_and_var_equal_scipy_to_1e12():
    gp = GammaPoisson(prior_shape=0.5, prior_rate=0.1).fit([7, 40], exposure=[10.5, 300.0])
    ref = stats.gamma([7.5, 40.5], scale=1 / np.array([10.6, 300.1]))
    np.testing.assert_allclose(gp.mean().to_numpy(), ref.mean(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(gp.var().to_numpy(), ref.var(), rtol=1e-12, atol=0)


def test_gamma_poisson_draws_match_exact_moments_within_mc_error():
    gp = GammaPoisson(prior_shape=1, prior_rate=1).fit([7, 40], exposure=[10.5, 300.0])
    draws = gp.sample(N_MC, random_seed=11).values
    assert_draws_match(draws, gp.mean().to_numpy(), gp.var().to_numpy())


def test_gamma_poisson_scalar_exposure_applies_to_every_arm():
    gp = GammaPoisson(prior_shape=1, prior_rate=1).fit([1, 2, 3], exposure=5.0)
    assert gp.posterior_["rate"].tolist() == [6.0, 6.0, 6.0]


# ---------------------------------------------------------------- Normal, known variance
def test_normal_known_variance_posterior_matches_precision_weighting():
    # BDA3 section 2.5: 1/s'^2 = 1/s^2 + n/sigma^2; m' = s'^2 (m/s^2 + sum x / sigma^2)
    data = np.array([1.2, 0.4, 2.2, 1.9, 0.8])
    nk = NormalKnownVariance(prior_mean=1.0, prior_sd=0.5, sigma=1.5).fit(data)
    precision = 1 / 0.25 + 5 / 2.25
    expected_mean = (1.0 / 0.25 + data.sum() / 2.25) / precision
    assert nk.mean().iloc[0] == pytest.approx(expected_mean, rel=1e-12)
    assert nk.var().iloc[0] == pytest.approx(1 / precision, rel=1e-12)
    ref = stats.norm(expected_mean, np.sqrt(1 / precision))
    assert nk.var().iloc[0] == pytest.approx(ref.var(), rel=1e-12)


def test_normal_known_variance_data_and_sufficient_statistics_agree():
    groups = {"A": [1.0, 2.0, 3.5], "B": [0.1, -0.4]}
    from_data = NormalKnownVariance(prior_sd=2.0, sigma=1.0).fit(groups)
    from_stats = NormalKnownVariance(prior_sd=2.0, sigma=1.0).fit(
        total=[6.5, -0.3], n=[3, 2], names=["A", "B"]
    )
    pd.testing.assert_frame_equal(from_data.posterior_, from_stats.posterior_, rtol=1e-12)


def test_normal_known_variance_draws_match_within_mc_error():
    nk = NormalKnownVariance(prior_mean=0, prior_sd=1, sigma=2).fit(total=[12.0, 3.0], n=[4, 9])
    draws = nk.sample(N_MC, random_seed=5).values
    assert_draws_match(draws, nk.mean().to_numpy(), nk.var().to_numpy())


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("make", "error", "fragment"),
    [
        (lambda: BetaBinomial().fit([5], [3]), ValidationError, "events exceed trials"),
        (lambda: BetaBinomial().fit([1, 2], [3]), ValidationError, "'n' has 1"),
        (lambda: BetaBinomial().fit([1.5], [3]), ValidationError, "whole numbers"),
        (lambda: BetaBinomial().fit([-1], [3]), ValidationError, "non-negative"),
        (lambda: BetaBinomial().fit([np.nan], [3]), ValidationError, "finite"),
        (lambda: BetaBinomial().fit([1, 2], [3, 3], names=["a"]), ValidationError, "1 name(s)"),
        (lambda: BetaBinomial(prior_alpha=0), ValidationError, "'prior_alpha' parameter"),
        (lambda: GammaPoisson().fit([1], exposure=[0.0]), ValidationError, "> 0 for every arm"),
        (lambda: GammaPoisson().fit([1, 2], exposure=[1.0, 2, 3]), ValidationError, "exposure"),
        (lambda: NormalKnownVariance().fit(), ValidationError, "either 'data'"),
        (lambda: NormalKnownVariance().fit(total=[1.0]), ValidationError, "together"),
        (lambda: NormalKnownVariance().fit([1.0, np.nan]), ValidationError, "finite"),
        (lambda: NormalKnownVariance(sigma=-1), ValidationError, "'sigma' parameter"),
        (lambda: BetaBinomial().mean(), NotFittedError, "call fit"),
        (lambda: BetaBinomial().fit([1], [3]).sample(0), ValidationError, "'n_draws'"),
        (lambda: BetaBinomial().fit([1], [3]).interval(1.5), ValidationError, "'prob'"),
    ],
)
def test_bad_input_raises_clear_error(make, error, fragment):
    with pytest.raises(error) as info:
        make()
    assert fragment in str(info.value)
