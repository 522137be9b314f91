"""Maximum-likelihood parametric survival models."""

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models.survival import (
    DISTRIBUTIONS,
    ParametricSurvival,
    SurvivalData,
    kaplan_meier,
)
from decisionkit.models.survival._families import NumpyOps, get_family
from decisionkit.models.survival._parametric import _LogLik


def test_exponential_mle_is_events_over_time_at_risk(simulate):
    # Closed form: the exponential MLE of the rate is d / sum(t) (e.g. Collett 2015, 5.1.1).
    df = simulate(300, 1.0, 5.0, censor_rate=0.1, seed=3)
    fit = ParametricSurvival("exponential").fit(df, time="time", event="event")
    expected = df["event"].sum() / df["time"].sum()
    assert fit.summary.loc["rate", "estimate"] == pytest.approx(expected, rel=1e-7)
    # and its standard error is rate / sqrt(d) (inverse observed information)
    assert fit.summary.loc["rate", "se"] == pytest.approx(
        expected / np.sqrt(df["event"].sum()), rel=1e-4
    )


def test_exponential_mle_with_left_truncation_uses_time_at_risk_after_entry(simulate):
    # Closed form: with delayed entry the rate MLE is d / sum(t - entry).
    df = simulate(300, 1.0, 5.0, censor_rate=0.1, seed=4)
    df["entry"] = df["time"] * 0.3
    fit = ParametricSurvival("exponential").fit(df, time="time", event="event", entry="entry")
    expected = df["event"].sum() / (df["time"] - df["entry"]).sum()
    assert fit.summary.loc["rate", "estimate"] == pytest.approx(expected, rel=1e-7)


def test_weibull_with_shape_one_is_the_exponential():
    # Closed form: S(t) = exp(-(t/b)^1) = exp(-t/b), h = 1/b.
    t = np.linspace(0.1, 20, 50)
    rate = 0.17
    wei_s, wei_h = get_family("weibull").log_sh(np.log(t), [1.0, 1 / rate], NumpyOps)
    exp_s, exp_h = get_family("exponential").log_sh(np.log(t), [rate], NumpyOps)
    np.testing.assert_allclose(wei_s, exp_s, rtol=1e-12)
    np.testing.assert_allclose(wei_h, exp_h, rtol=1e-12)


def test_weibull_likelihood_at_shape_one_equals_exponential_maximum(simulate):
    df = simulate(250, 1.0, 4.0, censor_rate=0.1, seed=5)
    data = SurvivalData.from_frame(df, time="time", event="event")
    expo = ParametricSurvival("exponential").fit(data)
    wei_nll = _LogLik(get_family("weibull"), data)
    assert -wei_nll(np.array([0.0, -expo.coef_[0]])) == pytest.approx(expo.loglik_, rel=1e-10)
    wei = ParametricSurvival("weibull").fit(data)
    assert wei.loglik_ >= expo.loglik_  # nested models
    lo, hi = wei.summary.loc["shape", ["lower", "upper"]]
    assert lo < 1 < hi  # data are exponential


def test_weibull_recovers_simulated_parameters_and_covariate(weibull_frame):
    fit = ParametricSurvival("weibull").fit(
        weibull_frame, time="time", event="event", covariates="arm"
    )
    s = fit.summary
    for name, truth in [("shape", 1.4), ("scale", 8.0), ("arm[B]", 0.5)]:
        assert s.loc[name, "lower"] < truth < s.loc[name, "upper"]


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_every_distribution_fits_and_reports(weibull_frame, distribution):
    fit = ParametricSurvival(distribution).fit(
        weibull_frame, time="time", event="event", covariates="arm"
    )
    assert np.isfinite(fit.loglik_) and fit.aic_ == pytest.approx(
        -2 * fit.loglik_ + 2 * fit.n_params_
    )
    assert np.all(np.linalg.eigvalsh(fit.cov_) > 0)
    surv = fit.survival([0.0, 1.0, 5.0, 30.0], covariates={"arm": "A"})
    assert surv[0] == 1.0 and np.all(np.diff(surv) <= 0)
    # every family is within 0.05 of the Kaplan-Meier estimate at the data's median time
    km = kaplan_meier(weibull_frame, time="time", event="event", by="arm")
    assert surv[2] == pytest.approx(km.survival([5.0], group="A")[0], abs=0.05)


def test_weibull_median_and_rmst_match_closed_forms(weibull_frame):
    fit = ParametricSurvival("weibull").fit(weibull_frame, time="time", event="event")
    shape, scale = fit.summary.loc[["shape", "scale"], "estimate"]
    # closed forms: median = b (log 2)^(1/a); RMST(tau) = b/a * gamma_lower(1/a, (tau/b)^a)
    from scipy.special import gamma, gammainc

    assert fit.median()["estimate"] == pytest.approx(scale * np.log(2) ** (1 / shape), rel=1e-6)
    tau = 10.0
    exact = scale / shape * gamma(1 / shape) * gammainc(1 / shape, (tau / scale) ** shape)
    assert fit.rmst(tau)["estimate"] == pytest.approx(exact, rel=1e-6)


def test_draw_survival_same_seed_same_parameters_across_profiles(weibull_frame):
    fit = ParametricSurvival("weibull").fit(
        weibull_frame, time="time", event="event", covariates="arm"
    )
    a = fit.draw_survival([0, 1, 2], n_draws=50, random_seed=3, covariates={"arm": "A"})
    b = fit.draw_survival([0, 1, 2], n_draws=50, random_seed=3, covariates={"arm": "B"})
    pd.testing.assert_frame_equal(a.parameters, b.parameters)
    assert a.survival.shape == (50, 3) and np.all(b.survival[:, 1] > a.survival[:, 1])
    # draws scatter around the point estimate
    point = fit.survival([2.0], covariates={"arm": "A"})[0]
    assert abs(np.median(a.survival[:, 2]) - point) < 0.02


def test_unknown_covariate_level_is_a_clear_error(weibull_frame):
    fit = ParametricSurvival("weibull").fit(
        weibull_frame, time="time", event="event", covariates="arm"
    )
    with pytest.raises(ValidationError, match=r"level\(s\) \['C'\] that were not in the data"):
        fit.survival([1.0], covariates={"arm": "C"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"distribution": "weibul"}, "'distribution' parameter"),
        ({"distribution": "spline", "knots": 4}, "'knots' parameter"),
        ({"distribution": "spline", "scale": "normal"}, "'scale' parameter"),
    ],
)
def test_bad_settings_are_rejected(weibull_frame, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        ParametricSurvival(**kwargs).fit(weibull_frame, time="time", event="event")


def test_zero_times_and_no_events_are_rejected():
    df = pd.DataFrame({"t": [0.0, 1.0, 2.0], "d": [1, 1, 0]})
    with pytest.raises(ValidationError, match="positive times"):
        ParametricSurvival("weibull").fit(df, time="t", event="d")
    with pytest.raises(ValidationError, match="no events"):
        ParametricSurvival("weibull").fit(df.assign(d=0, t=[1.0, 2, 3]), time="t", event="d")


def test_bootstrap_draws_agree_with_the_asymptotic_covariance(weibull_frame):
    # For n = 400 the non-parametric bootstrap and the observed information agree; with 200
    # refits the bootstrap SE has a relative sd of about 1/sqrt(2 * 200) = 5%, so 20% is ~4 sd.
    fit = ParametricSurvival("weibull", uncertainty="bootstrap", n_bootstrap=200, random_seed=1)
    fit.fit(weibull_frame, time="time", event="event", covariates="arm")
    assert fit.bootstrap_.shape == (200, 3)
    np.testing.assert_allclose(fit.bootstrap_.std(axis=0), np.sqrt(np.diag(fit.cov_)), rtol=0.2)
    draws = fit.draw_survival([0.0, 5.0], n_draws=300, random_seed=2, covariates={"arm": "A"})
    assert draws.parameters.shape == (300, 3)


def test_population_average_over_covariate_rows(weibull_frame):
    # marginal S = mean of the profiles' S; marginal h = sum(S_j h_j) / sum(S_j)
    fit = ParametricSurvival("loglogistic").fit(
        weibull_frame, time="time", event="event", covariates="arm"
    )
    t = np.array([0.5, 3.0, 12.0])
    s_a, s_b = (fit.survival(t, covariates={"arm": a}) for a in "AB")
    h_a, h_b = (fit.hazard(t, covariates={"arm": a}) for a in "AB")
    both = pd.DataFrame({"arm": ["A", "B", "B", "A"]})
    np.testing.assert_allclose(fit.survival(t, covariates=both), (s_a + s_b) / 2)
    np.testing.assert_allclose(
        fit.hazard(t, covariates=both), (s_a * h_a + s_b * h_b) / (s_a + s_b)
    )
    # None = the fitted patients (half in each arm)
    np.testing.assert_allclose(fit.survival(t), (s_a + s_b) / 2)


def test_gompertz_with_a_plateau_has_an_infinite_median():
    # 60% never have the event: a Gompertz fit has negative shape and S(inf) = exp(rate/shape),
    # so S never reaches 0.5 and the median is reported as inf
    rng = np.random.default_rng(8)
    cured = rng.random(500) < 0.6
    t = np.where(cured, np.inf, rng.exponential(1.0, 500))
    c = np.full(500, 10.0)
    df = pd.DataFrame({"t": np.minimum(t, c), "d": (t <= c).astype(int)})
    fit = ParametricSurvival("gompertz").fit(df, time="t", event="d")
    shape, rate = fit.summary.loc[["shape", "rate"], "estimate"]
    assert shape < 0 and np.exp(rate / shape) == pytest.approx(0.6, abs=0.05)
    median = fit.median()
    assert np.isinf(median["estimate"]) and np.isinf(median["upper"])
