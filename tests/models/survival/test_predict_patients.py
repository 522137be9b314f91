"""Each patient's survival, cumulative hazard and risk from fitted parametric models."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from decisionkit.exceptions import NotFittedError, ValidationError
from decisionkit.models.survival import DISTRIBUTIONS, ParametricSurvival

TIMES = np.array([0.0, 0.5, 2.0, 7.0, 15.0])


@pytest.fixture(scope="module")
def frame():
    """Weibull AFT times on a numeric covariate (age) and a two-level arm, some censored."""
    rng = np.random.default_rng(21)
    n = 240
    age = rng.normal(0.0, 1.0, n)
    arm = np.where(np.arange(n) % 2 == 0, "A", "B")
    scale = 6.0 * np.exp(-0.4 * age + 0.5 * (arm == "B"))
    t = scale * rng.weibull(1.4, n)
    c = np.minimum(rng.exponential(25.0, n), 12.0)
    return pd.DataFrame(
        {"time": np.minimum(t, c), "event": (t <= c).astype(int), "age": age, "arm": arm},
        index=pd.Index([f"p{i}" for i in range(n)], name="patient"),
    )


@pytest.fixture(scope="module")
def fits(frame):
    return {
        name: ParametricSurvival(name).fit(
            frame, time="time", event="event", covariates=["age", "arm"]
        )
        for name in DISTRIBUTIONS
    }


def _closed_form(name, est, frame, t):
    """S(t | x) from the natural-scale estimates (flexsurv's parameterisations)."""
    eta = (est["age"] * frame["age"] + est["arm[B]"] * (frame["arm"] == "B")).to_numpy()[:, None]
    t = t[None, :]
    if name == "exponential":  # S = exp(-rate e^eta t)
        return np.exp(-est["rate"] * np.exp(eta) * t)
    if name == "weibull":  # S = exp(-(t / (scale e^eta))^shape)
        return np.exp(-((t / (est["scale"] * np.exp(eta))) ** est["shape"]))
    if name == "gompertz":  # S = exp(-(rate e^eta / shape)(e^{shape t} - 1))
        return np.exp(-est["rate"] * np.exp(eta) / est["shape"] * np.expm1(est["shape"] * t))
    if name == "loglogistic":  # S = 1 / (1 + (t / (scale e^eta))^shape)
        return 1 / (1 + (t / (est["scale"] * np.exp(eta))) ** est["shape"])
    if name == "lognormal":  # S = 1 - Phi((log t - meanlog - eta) / sdlog)
        with np.errstate(divide="ignore"):
            return stats.norm.sf((np.log(t) - est["meanlog"] - eta) / est["sdlog"])
    raise AssertionError(name)


@pytest.mark.parametrize("name", ["exponential", "weibull", "gompertz", "loglogistic", "lognormal"])
def test_survival_of_each_patient_is_the_closed_form_at_the_estimates(fits, frame, name):
    fit = fits[name]
    est = fit.summary["estimate"]
    expected = _closed_form(name, est, frame, TIMES)
    got = fit.predict_survival(frame, TIMES)
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12, atol=1e-15)
    # H = -log S and risk = 1 - S, from the same closed form
    H = fit.predict_cumulative_hazard(frame, TIMES).to_numpy()
    np.testing.assert_allclose(H, -np.log(expected), rtol=1e-10, atol=1e-15)
    risk = fit.predict_risk(frame, horizon=7.0)
    np.testing.assert_allclose(risk.to_numpy(), 1 - expected[:, 3], rtol=1e-12)


@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_the_mean_over_patients_is_the_models_average_survival(fits, frame, name):
    fit = fits[name]
    per_patient = fit.predict_survival(frame, TIMES)
    # survival() averages over the distinct covariate profiles weighted by their counts
    np.testing.assert_allclose(per_patient.mean().to_numpy(), fit.survival(TIMES), rtol=1e-12)
    rows = frame.iloc[::7]
    np.testing.assert_allclose(
        fit.predict_survival(rows, TIMES).mean().to_numpy(),
        fit.survival(TIMES, covariates=rows),
        rtol=1e-12,
    )
    one = frame.iloc[[3]]
    profile = {"age": one["age"].iloc[0], "arm": one["arm"].iloc[0]}
    np.testing.assert_allclose(
        fit.predict_survival(one, TIMES).to_numpy()[0],
        fit.survival(TIMES, covariates=profile),
        rtol=1e-12,
    )


def test_results_are_labelled_by_the_patients_of_x(fits, frame):
    fit = fits["weibull"]
    rows = frame.iloc[[5, 2, 9]]
    before = rows.copy()
    surv = fit.predict_survival(rows, [1.0, 3.0])
    assert list(surv.index) == ["p5", "p2", "p9"] and surv.index.name == "patient"
    assert surv.columns.name == "time" and list(surv.columns) == [1.0, 3.0]
    risk = fit.predict_risk(rows, horizon=3.0)
    assert risk.name == "risk" and list(risk.index) == ["p5", "p2", "p9"]
    np.testing.assert_allclose(risk.to_numpy(), 1 - surv[3.0].to_numpy(), rtol=1e-12)
    pd.testing.assert_frame_equal(rows, before)  # the user's frame is not altered
    # extra columns are ignored and the column order does not matter
    shuffled = rows[["arm", "time", "age"]].reset_index(drop=True)
    np.testing.assert_array_equal(fit.predict_survival(shuffled, [1.0, 3.0]), surv.to_numpy())
    assert fit.predict_survival(shuffled, [1.0]).index.name == "unit"


def test_draws_share_the_parameter_draws_of_draw_survival(fits, frame):
    fit = fits["weibull"]
    rows = frame.iloc[:40]
    times = TIMES[1:]
    draws = fit.predict_survival(rows, times, n_draws=30, random_seed=4)
    assert draws.dims == ("draw", "unit", "time") and draws.name == "survival"
    assert list(draws["unit"].values) == list(rows.index)
    curves = fit.draw_survival(times, n_draws=30, random_seed=4, covariates=rows)
    # the same seed gives the same parameters: the mean over patients is draw_survival's curve
    np.testing.assert_allclose(draws.mean("unit").values, curves.survival, rtol=1e-12)
    # and each draw is the closed form at that draw's parameters (natural scale)
    for d in (0, 17):
        est = curves.parameters.iloc[d]
        expected = _closed_form("weibull", est, rows, times)
        np.testing.assert_allclose(draws.isel(draw=d).values, expected, rtol=1e-12)
    risk = fit.predict_risk(rows, horizon=2.0, n_draws=30, random_seed=4)
    assert risk.dims == ("draw", "unit") and risk.attrs["horizon"] == 2.0
    np.testing.assert_allclose(risk.values, 1 - draws.sel(time=2.0).values, rtol=1e-12)
    H = fit.predict_cumulative_hazard(rows, times, n_draws=30, random_seed=4)
    np.testing.assert_allclose(np.exp(-H.values), draws.values, rtol=1e-12)


def test_small_risks_keep_their_precision(fits, frame):
    # closed form: risk = 1 - exp(-rate e^eta h) = -expm1(-rate e^eta h); 1 - S would lose
    # every digit at h = 1e-12
    fit = fits["exponential"]
    est = fit.summary["estimate"]
    eta = (est["age"] * frame["age"] + est["arm[B]"] * (frame["arm"] == "B")).to_numpy()
    expected = -np.expm1(-est["rate"] * np.exp(eta) * 1e-12)
    np.testing.assert_allclose(fit.predict_risk(frame, horizon=1e-12), expected, rtol=1e-12)


def test_blocks_of_patients_do_not_change_the_numbers(fits, frame):
    import decisionkit as dk

    fit = fits["loglogistic"]
    whole = fit.predict_survival(frame, TIMES, n_draws=50, random_seed=1)
    with dk.set_options(working_memory=0.01):  # blocks of a few patients
        blocks = fit.predict_survival(frame, TIMES, n_draws=50, random_seed=1)
    # equal up to the last bit or two (BLAS may order the linear predictor's sums by shape)
    np.testing.assert_allclose(whole.values, blocks.values, rtol=1e-14)


def test_a_model_without_covariates_gives_every_row_the_same_curve(frame):
    fit = ParametricSurvival("weibull").fit(frame, time="time", event="event")
    surv = fit.predict_survival(frame.iloc[:4], TIMES)
    np.testing.assert_allclose(surv.to_numpy(), np.tile(fit.survival(TIMES), (4, 1)), rtol=1e-14)
    # closed form: S = exp(-(t / scale)^shape)
    est = fit.summary["estimate"]
    np.testing.assert_allclose(
        surv.iloc[0], np.exp(-((TIMES / est["scale"]) ** est["shape"])), rtol=1e-12
    )


def test_weibull_matches_lifelines_weibull_aft(fits, frame):
    lifelines = pytest.importorskip("lifelines")
    data = frame.assign(armB=(frame["arm"] == "B").astype(float))[["time", "event", "age", "armB"]]
    aft = lifelines.WeibullAFTFitter().fit(data, "time", "event")
    # lifelines 0.30: S(t | x) = exp(-(t / exp(b0 + x b))^rho), the same Weibull AFT as
    # flexsurv's (scale = exp(b0), coefficients on log scale); both are MLEs
    times = TIMES[1:]
    ref = aft.predict_survival_function(data[["age", "armB"]], times=times).T.to_numpy()
    got = fits["weibull"].predict_survival(frame, times).to_numpy()
    np.testing.assert_allclose(got, ref, atol=2e-5)
    ref_h = aft.predict_cumulative_hazard(data[["age", "armB"]], times=times).T.to_numpy()
    got_h = fits["weibull"].predict_cumulative_hazard(frame, times).to_numpy()
    np.testing.assert_allclose(got_h, ref_h, rtol=1e-4)


def _bad(frame):
    rows = frame.iloc[:5]
    return [
        ({"X": rows.to_numpy()}, "'X' parameter of ParametricSurvival.predict_survival"),
        ({"X": rows.iloc[:0]}, "at least one row"),
        ({"X": rows.drop(columns="age")}, r"Missing: \['age'\]"),
        ({"X": rows.assign(age="old")}, "must hold numbers in column 'age'"),
        ({"X": rows.assign(age=[1.0, np.nan, 2.0, 3.0, 4.0])}, "1 missing or infinite.*'p1'"),
        ({"X": rows.assign(age=np.inf)}, "5 missing or infinite"),
        ({"X": rows.assign(arm=["A", None, "B", "A", "A"])}, "missing.*column 'arm'"),
        ({"X": rows.assign(arm="C")}, r"level\(s\) \['C'\].*known levels are \['A', 'B'\]"),
        ({"times": [1.0, -2.0]}, "'times' parameter of ParametricSurvival.predict_survival"),
        ({"times": [1.0, np.nan]}, "'times' parameter"),
        ({"times": "soon"}, "'times' parameter"),
        ({"n_draws": 0}, "'n_draws' parameter of ParametricSurvival.predict_survival"),
    ]


@pytest.mark.parametrize("case", range(12))
def test_bad_input_is_refused_naming_the_method(fits, frame, case):
    kwargs, match = _bad(frame)[case]
    call = {"X": frame.iloc[:5], "times": [1.0, 2.0]} | kwargs
    with pytest.raises(ValidationError, match=match):
        fits["weibull"].predict_survival(call.pop("X"), call.pop("times"), **call)


@pytest.mark.parametrize("horizon", [0.0, -1.0, np.nan, "1"])
def test_risk_needs_a_positive_horizon(fits, frame, horizon):
    with pytest.raises(
        ValidationError, match=r"'horizon' parameter of ParametricSurvival\.predict_risk"
    ):
        fits["weibull"].predict_risk(frame, horizon=horizon)


def test_an_unfitted_model_says_to_fit_first(frame):
    with pytest.raises(NotFittedError, match=r"fit\(\) before predict_risk"):
        ParametricSurvival("weibull").predict_risk(frame, horizon=1.0)
