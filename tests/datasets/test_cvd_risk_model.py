"""The bundled cardiovascular risk posterior (decisionkit/datasets/data/cvd_risk_posterior.nc).

Reference values come from the simulation that generated the cohort
(decisionkit.datasets._generate.CVD_COEF: the true log-odds ratios) and from the logistic
likelihood's score equation: with an intercept, the maximum-likelihood fitted risks average
exactly the observed event rate, and the weakly-informative posterior is close to it.
"""

import numpy as np
import pytest

from decisionkit.datasets import _path, load_cvd_cohort, load_cvd_risk_model
from decisionkit.datasets._generate import CVD_COEF, CVD_PREDICTORS


@pytest.fixture(scope="module")
def model():
    return load_cvd_risk_model()


def test_model_loads_fitted_on_the_documented_predictors(model):
    assert model.feature_names_in_ == CVD_PREDICTORS
    assert model.idata_["posterior"].sizes["chain"] == 2
    assert model.idata_["posterior"].sizes["draw"] == 500


def test_bundled_posterior_has_clean_diagnostics(model):
    # thresholds of decisionkit.models.bayes._diagnostics (Vehtari et al. 2021)
    assert model.diagnostics_["problems"] == []
    assert model.diagnostics_["max_rhat"] <= 1.01
    assert model.diagnostics_["n_divergences"] == 0


def test_predicts_risk_draws_for_every_patient_without_sampling(model):
    cohort = load_cvd_cohort()
    risk = model.predict_risk(cohort.head(5))
    assert risk.dims == ("draw", "unit") and risk.shape == (1000, 5)
    assert ((risk >= 0) & (risk <= 1)).all()


def test_mean_predicted_risk_matches_observed_event_rate(model):
    # score equation of logistic regression with an intercept (MLE: exact equality)
    cohort = load_cvd_cohort()
    mean_risk = model.predict_proba(cohort)[:, 1].mean()
    assert mean_risk == pytest.approx(cohort["event"].mean(), abs=0.005)


def test_posterior_covers_the_simulation_truth(model):
    # each true log-odds ratio within 3 posterior sd of the posterior mean
    _, coef = model.posterior_draws()
    truth = np.array([CVD_COEF[name] for name in CVD_PREDICTORS])
    z = np.abs(coef.mean(axis=0) - truth) / coef.std(axis=0)
    assert (z < 3).all(), dict(zip(CVD_PREDICTORS, z.round(2), strict=True))


def test_posterior_file_is_under_two_megabytes():
    assert _path("cvd_risk_posterior.nc").stat().st_size < 2 * 2**20
