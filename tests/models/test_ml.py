"""Tests of BootstrapRisk (bootstrap risk draws from scikit-learn classifiers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from decisionkit.exceptions import NotFittedError, ValidationError
from decisionkit.models import BootstrapRisk


def simulate(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    y = (rng.random(n) < expit(-0.5 + 1.0 * X.x1 - 0.5 * X.x2)).astype(int)
    return X, y.to_numpy()


@pytest.fixture(scope="module")
def data():
    return simulate(400, seed=1)


@pytest.fixture(scope="module")
def boot(data):
    X, y = data
    return BootstrapRisk(LogisticRegression(C=np.inf), n_bootstrap=100, random_seed=2).fit(X, y)


def test_predict_risk_has_one_draw_per_resample(boot, data):
    X, _ = data
    risk = boot.predict_risk(X.iloc[:10])
    assert risk.dims == ("draw", "unit") and risk.shape == (100, 10)
    assert ((risk.values > 0) & (risk.values < 1)).all()


def test_bootstrap_sd_matches_asymptotic_standard_error(boot, data):
    # Efron & Tibshirani (1993, ch. 6): for an unpenalised logistic regression the bootstrap
    # SD of a coefficient approximates the Fisher-information SE sqrt(diag((X'WX)^-1)).
    # With B = 100 the SD itself has ~7% relative MC error; allow 25% (3.5 MC sd).
    X, y = data
    full = LogisticRegression(C=np.inf).fit(X, y)
    Z = np.column_stack([np.ones(len(X)), X.to_numpy()])
    p = full.predict_proba(X)[:, 1]
    se = np.sqrt(np.diag(np.linalg.inv(Z.T @ (Z * (p * (1 - p))[:, None]))))[1:]
    boot_sd = np.array([e.coef_[0] for e in boot.estimators_]).std(axis=0, ddof=1)
    np.testing.assert_allclose(boot_sd, se, rtol=0.25)


def test_each_draw_is_the_refit_on_its_resample(boot, data):
    X, y = data
    rows = boot.resample_indices_[7]
    refit = LogisticRegression(C=np.inf).fit(X.iloc[rows], y[rows])
    np.testing.assert_allclose(
        boot.predict_risk(X.iloc[:5]).values[7], refit.predict_proba(X.iloc[:5])[:, 1], rtol=1e-10
    )


def test_stratified_resamples_keep_the_number_of_events(boot, data):
    _, y = data
    assert (y[boot.resample_indices_].sum(axis=1) == y.sum()).all()


def test_plain_bootstrap_redraws_single_class_resamples():
    # 1 event in 12 rows: P(resample misses it) = (11/12)^12 = 0.35, so about 10 of 30
    # plain resamples need a redraw; every kept resample must hold the event.
    X = pd.DataFrame({"x": np.arange(12.0)})
    y = np.zeros(12, int)
    y[5] = 1
    boot = BootstrapRisk(LogisticRegression(), n_bootstrap=30, stratify=False, random_seed=0)
    boot.fit(X, y)
    assert (y[boot.resample_indices_].sum(axis=1) >= 1).all()
    assert len(boot.estimators_) == 30


def test_same_seed_gives_identical_draws(data):
    X, y = data
    a = BootstrapRisk(LogisticRegression(), n_bootstrap=20, random_seed=5).fit(X, y)
    b = BootstrapRisk(LogisticRegression(), n_bootstrap=20, random_seed=5).fit(X, y)
    np.testing.assert_array_equal(a.predict_risk(X).values, b.predict_risk(X).values)


@pytest.mark.slow  # starting joblib worker processes takes several seconds on a busy machine
def test_parallel_fit_gives_the_same_draws_as_sequential(data):
    X, y = data
    seq = BootstrapRisk(LogisticRegression(), n_bootstrap=4, random_seed=5).fit(X, y)
    par = BootstrapRisk(LogisticRegression(), n_bootstrap=4, n_jobs=2, random_seed=5).fit(X, y)
    np.testing.assert_allclose(par.predict_risk(X).values, seq.predict_risk(X).values, rtol=1e-12)


def test_calibrate_wraps_each_refit_in_calibrated_classifier(data):
    X, y = data
    boot = BootstrapRisk(
        LogisticRegression(),
        n_bootstrap=5,
        calibrate=True,
        calibration_method="isotonic",
        random_seed=0,
    ).fit(X, y)
    assert all(isinstance(e, CalibratedClassifierCV) for e in boot.estimators_)
    assert boot.estimators_[0].method == "isotonic"
    risk = boot.predict_risk(X)
    assert ((risk.values >= 0) & (risk.values <= 1)).all()


def test_predict_reorders_columns_by_name(boot, data):
    X, _ = data
    np.testing.assert_array_equal(
        boot.predict_risk(X[["x2", "x1"]]).values, boot.predict_risk(X).values
    )


def test_predict_proba_is_bootstrap_mean(boot, data):
    X, _ = data
    proba = boot.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], boot.predict_risk(X).mean("draw").values, rtol=1e-12)


def test_estimator_without_predict_proba_raises_type_error():
    with pytest.raises(TypeError, match="has none"):
        BootstrapRisk(LinearSVC())


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (
            lambda X, y: BootstrapRisk(LogisticRegression()).fit(X, y[:-1]),
            ValidationError,
            "X has 400 rows but y has 399",
        ),
        (
            lambda X, y: BootstrapRisk(LogisticRegression()).fit(X, y * 2),
            ValidationError,
            "found the values [0, 2]",
        ),
        (
            lambda X, y: BootstrapRisk(LogisticRegression()).predict_risk(X),
            NotFittedError,
            "call fit",
        ),
        (
            lambda X, y: BootstrapRisk(LogisticRegression(), n_bootstrap=1),
            ValidationError,
            "'n_bootstrap'",
        ),
        (
            lambda X, y: BootstrapRisk(LogisticRegression(), calibration_method="beta"),
            ValidationError,
            "'calibration_method'",
        ),
    ],
)
def test_bad_input_raises_clear_error(data, call, error, fragment):
    X, y = data
    with pytest.raises(error) as info:
        call(X, y)
    assert fragment in str(info.value)


def test_predict_with_missing_column_lists_it(boot, data):
    X, _ = data
    with pytest.raises(ValidationError, match=r"lacks the column\(s\) \['x2'\]"):
        boot.predict_risk(X[["x1"]])
