"""Model averaging, treatment-effect waning and the general-population mortality floor."""

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models.survival import (
    ParametricSurvival,
    SurvivalData,
    TreatmentWaning,
    average_models,
)


@pytest.fixture(scope="module")
def data(weibull_frame):
    return SurvivalData.from_frame(weibull_frame, time="time", event="event", covariates="arm")


@pytest.fixture(scope="module")
def fits(data):
    return {d: ParametricSurvival(d).fit(data) for d in ("exponential", "weibull", "lognormal")}


def test_aic_weights_follow_burnham_anderson(fits):
    # Burnham and Anderson (2002), eq. 2.14: w_m = exp(-d_m/2) / sum exp(-d_k/2)
    avg = average_models(fits, weights="aic")
    aic = np.array([m.aic_ for m in fits.values()])
    expected = np.exp(-(aic - aic.min()) / 2)
    np.testing.assert_allclose(avg.weights.to_numpy(), expected / expected.sum())
    # the averaged point curve is the weighted sum of the model curves
    t = np.array([1.0, 5.0, 20.0])
    mix = sum(
        w * m.survival(t, covariates={"arm": "A"})
        for w, m in zip(avg.weights, fits.values(), strict=True)
    )
    np.testing.assert_allclose(avg.survival(t, covariates={"arm": "A"}), mix)


def test_mixture_draws_pick_models_in_proportion_and_keep_every_parameter(fits):
    avg = average_models(fits, weights={"exponential": 0.2, "weibull": 0.5, "lognormal": 0.3})
    draws = avg.draw_survival(
        [0.0, 5.0, 30.0], n_draws=4000, random_seed=1, covariates={"arm": "A"}
    )
    share = draws.parameters["model"].value_counts(normalize=True).sort_index().to_numpy()
    np.testing.assert_allclose(share, [0.2, 0.5, 0.3], atol=0.025)  # binomial sd ~0.008
    assert not draws.parameters.isna().any().any()
    assert "weibull: shape" in draws.parameters.columns
    # structural uncertainty: at 30 years the mixture is wider than any single model
    spread = draws.survival[:, 2].std()
    singles = [
        m.draw_survival([30.0], n_draws=4000, random_seed=2, covariates={"arm": "A"}).survival.std()
        for m in fits.values()
    ]
    assert spread > max(singles)


def test_aic_weights_refuse_models_fitted_to_different_data(fits, simulate):
    other = ParametricSurvival("weibull").fit(
        simulate(100, 1.0, 5.0, seed=9), time="time", event="event"
    )
    with pytest.raises(ValidationError, match="same data"):
        average_models({"a": fits["weibull"], "b": other}, weights="aic")


def test_exact_waning_of_an_exponential_hazard_ratio(data):
    # Closed form for exponential arms (rates l1 treated, l0 reference, r = l1/l0) with log HR
    # falling linearly from full at a to 0 at b:
    # H(t) = l1 t (t <= a);  l1 a + l0 (b - a)(r - r^((b - t)/(b - a))) / ln r  (a <= t <= b);
    # then + l0 (t - b).
    model = ParametricSurvival("exponential").fit(data)
    wane = TreatmentWaning(
        model,
        model,
        start=5.0,
        end=15.0,
        treated_covariates={"arm": "B"},
        reference_covariates={"arm": "A"},
    )
    l0 = model.hazard([1.0], covariates={"arm": "A"})[0]
    l1 = model.hazard([1.0], covariates={"arm": "B"})[0]
    a, b, r = 5.0, 15.0, l1 / l0
    t = np.array([0.0, 2.0, 5.0, 8.0, 12.0, 15.0, 25.0])
    mid = l1 * a + l0 * (b - a) * (r - r ** ((b - np.clip(t, a, b)) / (b - a))) / np.log(r)
    H = np.where(t <= a, l1 * t, mid + l0 * np.maximum(t - b, 0.0))
    np.testing.assert_allclose(wane.survival(t), np.exp(-H), rtol=1e-6)


def test_waning_draws_share_parameters_for_one_model(data):
    model = ParametricSurvival("weibull").fit(data)
    wane = TreatmentWaning(
        model,
        model,
        start=2.0,
        end=4.0,
        treated_covariates={"arm": "B"},
        reference_covariates={"arm": "A"},
    )
    d = wane.draw_survival([0.0, 1.0, 10.0], n_draws=20, random_seed=4)
    p = d.parameters
    assert list(p.columns) == model.parameter_names
    # before 'start' each draw is the treated arm's Weibull curve with that draw's parameters
    treated = np.exp(-((1.0 / (p["scale"] * np.exp(p["arm[B]"]))) ** p["shape"]))
    np.testing.assert_allclose(d.survival[:, 1], treated, rtol=1e-9)
    with pytest.raises(ValidationError, match="'end' parameter"):
        TreatmentWaning(model, model, start=3.0, end=1.0)


def _life_table(sex=False):
    from decisionkit.models import LifeTable

    ages = np.arange(40, 101)
    rate = np.where(ages < 70, 0.001, 0.2)
    if not sex:
        return LifeTable(pd.DataFrame({"age": ages, "rate": rate}))
    frame = pd.concat(
        [
            pd.DataFrame({"age": ages, "rate": rate, "sex": "female"}),
            pd.DataFrame({"age": ages, "rate": 2 * rate, "sex": "male"}),
        ]
    )
    return LifeTable(frame, sex="sex")


def test_background_mortality_floor_is_exact_for_an_exponential_model(data):
    # Closed form: cohort aged 65, model hazard l (~0.07) above the population's 0.001 until
    # age 70, below its 0.2 after, so S(t) = exp(-l t) for t <= 5, exp(-5 l - 0.2 (t - 5)) after.
    from decisionkit.models.survival import BackgroundMortality

    model = ParametricSurvival("exponential").fit(data)
    lam = model.hazard([1.0], covariates={"arm": "A"})[0]
    assert 0.001 < lam < 0.2
    floor = BackgroundMortality(model, _life_table(), age=65)
    t = np.array([0.0, 2.0, 5.0, 7.5, 12.0])
    expected = np.exp(-np.where(t <= 5, lam * t, 5 * lam + 0.2 * (t - 5)))
    np.testing.assert_allclose(floor.survival(t, covariates={"arm": "A"}), expected, rtol=1e-9)
    draws = floor.draw_survival(t, n_draws=30, random_seed=0, covariates={"arm": "A"})
    inner = model.draw_survival(t, n_draws=30, random_seed=0, covariates={"arm": "A"})
    assert np.all(draws.survival <= inner.survival + 1e-12)  # a floor only adds hazard
    pd.testing.assert_frame_equal(draws.parameters, inner.parameters)


def test_background_mortality_by_sex_and_in_months(data):
    from decisionkit.models.survival import BackgroundMortality

    model = ParametricSurvival("exponential").fit(data)
    lt = _life_table(sex=True)
    # a model in months: 60 months to age 70, then the male rate 0.4/year = 0.4/12 per month
    months = BackgroundMortality(model, lt, age=65, sex="male", time_unit="months")
    lam = model.hazard([1.0], covariates={"arm": "A"})[0]
    t = np.array([0.0, 60.0, 72.0])
    expected = np.exp(-np.where(t <= 60, np.maximum(lam, 0.002 / 12) * t, 0.0))
    expected[2] = np.exp(-60 * lam - max(lam, 0.4 / 12) * 12)
    np.testing.assert_allclose(months.survival(t, covariates={"arm": "A"}), expected, rtol=1e-9)
    with pytest.raises(ValidationError, match="Unknown sex"):
        BackgroundMortality(model, lt, age=65, sex="other")
    with pytest.raises(ValidationError, match="below the life table's first age"):
        BackgroundMortality(model, lt, age=30, sex="male")
    with pytest.raises(ValidationError, match="'time_unit' parameter"):
        BackgroundMortality(model, lt, age=65, sex="male", time_unit="fortnights")


def test_a_life_table_with_gaps_is_a_clear_error():
    from decisionkit.models import LifeTable

    with pytest.raises(ValidationError, match="missing ages"):
        LifeTable(pd.DataFrame({"age": [60, 61, 63], "rate": [0.01, 0.02, 0.03]}))


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ("deviance", "'weights' parameter"),
        ({"weibull": 1.0}, "one weight for each"),
        ([1.0, 2.0], "3 weights, one per model"),
        ([0.0, 0.0, 0.0], "positive sum"),
        ([1.0, -1.0, 1.0], "'weights' parameter"),
        ("stacking", "need Bayesian fits"),
    ],
)
def test_bad_averaging_weights(fits, weights, message):
    with pytest.raises(ValidationError, match=message):
        average_models(fits, weights=weights)


def test_average_summary_and_repr(fits):
    avg = average_models(list(fits.values()), weights="bic")
    assert list(avg.summary.columns) == ["BIC", "weight"]
    assert avg.summary["weight"].is_monotonic_decreasing
    assert "bic weights" in repr(avg)
