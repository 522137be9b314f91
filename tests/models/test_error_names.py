"""Errors of the risk, consequence and parametric survival models name the public function the
user called (issue 12): the checks inside private helpers take the name from
``@validate_params``, including checks that run later, inside a Dask graph."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from decisionkit.exceptions import ValidationError
from decisionkit.models import BayesianLogisticRisk, treatment_outcomes
from decisionkit.models.survival import ParametricSurvival, fit_distributions

RISK = np.array([[0.1, 0.4], [0.2, 0.5], [0.05, 0.3]])  # 3 draws x 2 patients


def _fitted_risk_model(cls: type = BayesianLogisticRisk) -> BayesianLogisticRisk:
    """A fitted model built from hand-made posterior draws (no sampling)."""
    rng = np.random.default_rng(0)
    names = ["age", "sbp"]
    post = xr.Dataset(
        {
            "intercept": (("chain", "draw"), rng.normal(-1, 0.1, (1, 20))),
            "coef": (("chain", "draw", "feature"), rng.normal(0, 0.01, (1, 20, 2))),
        },
        coords={"chain": [0], "draw": np.arange(20), "feature": names},
    )
    model = cls()
    model._set_fitted(xr.DataTree.from_dict({"posterior": post}), names, [60, 130], [10, 15])
    return model


def test_risk_model_checks_in_helpers_name_the_method_called() -> None:
    model = _fitted_risk_model()
    with pytest.raises(ValidationError, match=r"^BayesianLogisticRisk\.predict_risk: X lacks"):
        model.predict_risk(pd.DataFrame({"age": [60.0]}))
    with pytest.raises(ValidationError, match=r"^BayesianLogisticRisk\.predict_proba: X lacks"):
        model.predict_proba(pd.DataFrame({"age": [60.0]}))
    with pytest.raises(
        ValidationError,
        match=re.escape("The 'chunk_size' parameter of BayesianLogisticRisk.predict_risk must be"),
    ):
        model.predict_risk(pd.DataFrame({"age": [60.0], "sbp": [120.0]}), chunk_size=0)
    with pytest.raises(
        ValidationError, match=r"'prior_coef_sd' parameter of BayesianLogisticRisk "
    ):
        BayesianLogisticRisk(prior_coef_sd=0)
    with pytest.raises(ValidationError, match=r"^BayesianLogisticRisk\.fit: X has no rows"):
        BayesianLogisticRisk().fit(pd.DataFrame({"age": []}), [])


def test_a_subclass_is_named_by_its_own_name() -> None:
    class ClinicRisk(BayesianLogisticRisk):
        pass

    with pytest.raises(ValidationError, match=r"^ClinicRisk\.predict_risk: X lacks"):
        _fitted_risk_model(ClinicRisk).predict_risk(pd.DataFrame({"age": [60.0]}))


def test_dask_partition_checks_name_the_method_when_computed() -> None:
    dd = pytest.importorskip("dask.dataframe")
    bad = pd.DataFrame({"age": [50.0, np.nan, 70.0, 65.0], "sbp": [120.0, 130.0, 140.0, 150.0]})
    lazy = _fitted_risk_model().predict_risk(dd.from_pandas(bad, npartitions=2))
    with pytest.raises(ValidationError, match=r"^BayesianLogisticRisk\.predict_risk: NaN"):
        lazy.compute()  # after predict_risk returned, in the scheduler's threads


def test_treatment_outcomes_errors_name_it_in_memory_and_when_computed() -> None:
    with pytest.raises(ValidationError, match=r"^models\.treatment_outcomes: 'risk' has 1 draw"):
        treatment_outcomes(RISK[:1], effect=0.5, cost_treat=1, cost_event=1)
    with pytest.raises(
        ValidationError,
        match=re.escape("The 'effect_scale' parameter of models.treatment_outcomes"),
    ):
        treatment_outcomes(RISK, effect=0.5, effect_scale="hr", cost_treat=1, cost_event=1)
    da = pytest.importorskip("dask.array")
    lazy = xr.DataArray(da.from_array(RISK * 3, chunks=(3, 1)), dims=["draw", "unit"])
    out = treatment_outcomes(lazy, effect=0.5, cost_treat=1, cost_event=1)
    with pytest.raises(ValidationError, match=r"^models\.treatment_outcomes: 'risk' holds"):
        out.compute()


@pytest.fixture(scope="module")
def weibull() -> ParametricSurvival:
    rng = np.random.default_rng(1)
    x = rng.normal(size=150)
    df = pd.DataFrame({"t": np.exp(0.5 * x) * rng.weibull(1.5, 150), "d": 1, "x": x})
    return ParametricSurvival("weibull").fit(df, time="t", event="d", covariates="x")


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda m: m.predict([1.0], what="density"),
            "'what' parameter of ParametricSurvival.predict",
        ),
        (lambda m: m.predict([1.0], ci=1.0), "'ci' parameter of ParametricSurvival.predict must"),
        (lambda m: m.rmst(-1.0), "'tau' parameter of ParametricSurvival.rmst must be a number > 0"),
        (lambda m: m.survival([-1.0]), "'times' parameter of ParametricSurvival.survival must"),
        (
            lambda m: m.quantile(0.5, n_draws=1),
            "'n_draws' parameter of ParametricSurvival.quantile",
        ),
        # median hands its arguments to quantile: the user called median
        (lambda m: m.median(ci=2.0), "'ci' parameter of ParametricSurvival.median must"),
        (
            lambda m: m.predict_survival(pd.DataFrame({"y": [1.0]}), [1.0]),
            "'X' parameter of ParametricSurvival.predict_survival must be a DataFrame with the",
        ),
        (
            lambda m: m.predict_risk(pd.DataFrame({"x": [np.nan]}), horizon=1.0),
            "'X' parameter of ParametricSurvival.predict_risk holds 1 missing",
        ),
        (
            lambda m: m.draw_survival([1.0], n_draws=10, covariates={"z": 1}),
            "parameter of ParametricSurvival.draw_survival",
        ),
    ],
)
def test_survival_prediction_errors_name_the_method_called(weibull, call, fragment) -> None:
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        call(weibull)


def test_fit_distributions_names_itself_for_the_fits_it_runs() -> None:
    df = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0], "d": 1})
    with pytest.raises(
        ValidationError,
        match=re.escape("The 'distribution' parameter of models.survival.fit_distributions"),
    ):
        fit_distributions(df, ["weibull", "cauchy"], time="t", event="d")
    with pytest.raises(
        ValidationError, match=re.escape("The 'distribution' parameter of ParametricSurvival.fit")
    ):
        ParametricSurvival("cauchy").fit(df, time="t", event="d")
