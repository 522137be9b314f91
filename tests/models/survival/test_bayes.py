"""Bayesian parametric survival (PyMC) against the maximum-likelihood fit."""

import arviz as az
import numpy as np
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models.survival import BayesianSurvival, average_models

SAMPLER = {"draws": 800, "tune": 400, "chains": 2, "progressbar": False}


@pytest.fixture(scope="module")
def frame(simulate):
    return simulate(300, 1.3, 8.0, censor_rate=0.05, admin=15.0, seed=5, effect=0.5)


@pytest.fixture(scope="module")
def weibull(frame):
    return BayesianSurvival("weibull", sampler_config=SAMPLER, random_seed=3).fit(
        frame, time="time", event="event", covariates="arm"
    )


def test_vague_prior_posterior_agrees_with_mle(weibull):
    # Bernstein-von Mises: with vague priors the posterior is ~N(MLE, inverse information).
    # The posterior mean differs from the mode (the MLE) by O(1/n) through skewness, so each
    # mean must lie within 3 Monte-Carlo standard errors plus 0.2 posterior sd of the MLE,
    # and the posterior sd within 10% of the MLE's standard error.
    post = weibull.idata_.posterior
    ess = az.ess(post)
    mle = weibull.mle_
    se = np.sqrt(np.diag(mle.cov_))
    for j, name in enumerate(weibull.variable_names_):
        draws = post[name].to_numpy().ravel()
        mcse = draws.std() / np.sqrt(float(ess[name]))
        assert abs(draws.mean() - mle.coef_[j]) < 3 * mcse + 0.2 * draws.std(), name
        assert draws.std() == pytest.approx(se[j], rel=0.10), name


def test_bayesian_predictions_match_mle_predictions(weibull):
    t = np.array([0.0, 2.0, 6.0, 20.0])
    bayes = weibull.predict(t, covariates={"arm": "B"}, n_draws=1000)
    mle = weibull.mle_.predict(t, covariates={"arm": "B"}, n_draws=1000)
    np.testing.assert_allclose(bayes["estimate"], mle["estimate"], atol=0.015)
    np.testing.assert_allclose(
        bayes["upper"] - bayes["lower"], mle["upper"] - mle["lower"], atol=0.02
    )
    draws = weibull.draw_survival(t, n_draws=50, random_seed=1, covariates={"arm": "A"})
    assert list(draws.parameters.columns) == ["shape", "scale", "arm[B]"]
    assert draws.survival.shape == (50, 4)


def test_per_patient_predictions_average_the_posterior(weibull, frame):
    t = np.array([0.0, 2.0, 6.0, 20.0])
    rows = frame.iloc[:60]
    point = weibull.predict_survival(rows, t)
    # the point estimate is the posterior mean over the same draws as survival(): its mean
    # over the rows is survival() of those rows
    np.testing.assert_allclose(point.mean(), weibull.survival(t, covariates=rows), rtol=1e-12)
    # with vague priors each patient's posterior-mean S(t | x) is close to the MLE's
    mle = weibull.mle_.predict_survival(rows, t)
    np.testing.assert_allclose(point, mle, atol=0.015)
    draws = weibull.predict_risk(rows, horizon=6.0, n_draws=200, random_seed=2)
    assert draws.dims == ("draw", "unit") and draws.sizes == {"draw": 200, "unit": 60}
    risk = weibull.predict_risk(rows, horizon=6.0)
    np.testing.assert_allclose(risk, 1 - point[6.0], rtol=1e-12)
    np.testing.assert_allclose(draws.mean("draw"), risk, atol=0.01)  # 200 of the draws


def test_pointwise_log_likelihood_sums_to_the_model_log_likelihood(weibull):
    ll = weibull.idata_.log_likelihood["time"]
    assert ll.sizes["patient"] == 300
    # at the posterior draw nearest the MLE the summed log-likelihood is close to the maximum
    total = ll.sum("patient").to_numpy().ravel()
    assert total.max() <= weibull.mle_.loglik_ + 1e-6
    assert total.max() > weibull.mle_.loglik_ - 0.5


@pytest.mark.slow
def test_stacking_weights_come_from_arviz_compare(weibull, frame):
    expo = BayesianSurvival("exponential", sampler_config=SAMPLER, random_seed=4).fit(
        frame, time="time", event="event", covariates="arm"
    )
    avg = average_models({"weibull": weibull, "exponential": expo}, weights="stacking")
    assert avg.weights.sum() == pytest.approx(1.0)
    assert avg.weights["weibull"] > avg.weights["exponential"]  # the data are Weibull(1.3)
    with pytest.raises(ValidationError, match="need maximum-likelihood fits"):
        average_models({"weibull": weibull, "exponential": expo}, weights="aic")


def test_bad_prior_sd(frame):
    with pytest.raises(ValidationError, match="'prior_sd' parameter"):
        BayesianSurvival("weibull", prior_sd={"log_nope": 1.0}).fit(
            frame, time="time", event="event"
        )
