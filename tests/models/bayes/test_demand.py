"""Tests for CountDemand (negative-binomial regression of daily counts)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ConvergenceWarning, NotFittedError, ValidationError
from decisionkit.models.bayes.demand import CountDemand

# Known generating process (the model's own): log mean = log 20 + weekday + 0.3 * years, alpha 25
TRUE_INTERCEPT = np.log(20.0)
TRUE_WEEKDAY = np.array([0.2, 0.1, 0.05, 0.05, 0.0, -0.15, -0.25])
TRUE_WEEKDAY = TRUE_WEEKDAY - TRUE_WEEKDAY.mean()  # zero-sum, as in the model
TRUE_TREND = 0.3
TRUE_ALPHA = 25.0
FAST = {"draws": 1000, "tune": 500, "chains": 2, "cores": 1, "progressbar": False}


def _simulate(n_days: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=n_days, freq="D")
    x = np.arange(n_days) / 365.25
    mu = np.exp(TRUE_INTERCEPT + TRUE_WEEKDAY[dates.day_of_week] + TRUE_TREND * x)
    counts = rng.poisson(rng.gamma(TRUE_ALPHA, mu / TRUE_ALPHA))
    return pd.DataFrame({"day": dates, "arrivals": counts})


@pytest.fixture(scope="module")
def data():
    return _simulate(365, seed=8)


@pytest.fixture(scope="module")
def fitted(data):
    return CountDemand(random_seed=2, **FAST).fit(data, date="day", count="arrivals")


def test_posterior_recovers_known_coefficients(fitted):
    # Parameter recovery on data simulated from the model: posterior mean within 3 posterior sd
    post = fitted.idata_["posterior"]
    # the model's intercept is the log mean at its reference date (middle of the data)
    t_ref = (fitted.reference_date_ - pd.Timestamp("2024-01-01")).days / 365.25
    intercept_at_ref = TRUE_INTERCEPT + TRUE_TREND * t_ref
    for name, truth in [("intercept", intercept_at_ref), ("trend", TRUE_TREND)]:
        draws = post[name].values.ravel()
        assert abs(draws.mean() - truth) < 3 * draws.std()
    wd = post["weekday"].values.reshape(-1, 7)
    assert np.all(np.abs(wd.mean(axis=0) - TRUE_WEEKDAY) < 3 * wd.std(axis=0))


def test_forecast_dims_dates_and_integer_counts(fitted):
    fc = fitted.forecast(14, random_seed=0)
    assert fc.dims == ("draw", "date")
    assert fc.shape == (2000, 14)
    assert fc["date"].values[0] == np.datetime64("2024-12-31")  # day after the last of 365
    assert fc.dtype.kind == "i" and int(fc.min()) >= 0


def test_forecast_mean_matches_true_mean_on_a_monday(fitted):
    # Truth: 20 * exp(weekday[Mon] + 0.3 * t). Posterior predictive mean within 10% of truth
    # (posterior sd of the log mean is ~3% with a year of data; MC error of 1000 draws ~1.5%).
    day = pd.Timestamp("2025-01-06")  # a Monday
    t = (day - pd.Timestamp("2024-01-01")).days / 365.25
    truth = np.exp(TRUE_INTERCEPT + TRUE_WEEKDAY[0] + TRUE_TREND * t)
    fc = fitted.forecast([day], random_seed=1)
    assert float(fc.mean()) == pytest.approx(truth, rel=0.10)


def test_forecast_variance_matches_negative_binomial(fitted):
    # NB variance lambda + lambda^2 / alpha, averaged over posterior draws (law of total variance)
    lam = fitted.expected_counts(pd.date_range("2025-02-01", periods=1)).values[:, 0]
    alpha = fitted.idata_["posterior"]["alpha"].values.ravel()
    expected_var = np.mean(lam + lam**2 / alpha) + lam.var()
    fc = fitted.forecast(pd.date_range("2025-02-01", periods=1).repeat(1), random_seed=3)
    many = np.concatenate(
        [fitted.forecast(["2025-02-01"], random_seed=s).values for s in range(20)]
    )
    assert fc.shape == (2000, 1)
    assert many.var() == pytest.approx(expected_var, rel=0.1)


def test_forecast_same_seed_same_counts(fitted):
    a = fitted.forecast(7, random_seed=9)
    b = fitted.forecast(7, random_seed=9)
    np.testing.assert_array_equal(a.values, b.values)


@pytest.mark.slow
def test_same_fit_seed_gives_identical_posterior(data):
    # same data as the fixture, so the compiled model is reused (a new data set recompiles)
    kw = {**FAST, "draws": 100, "tune": 100}
    runs = []
    for _ in range(2):
        with warnings.catch_warnings():
            # 100 draws are too few for ESS >= 400; this test checks determinism only
            warnings.simplefilter("ignore", ConvergenceWarning)
            runs.append(CountDemand(random_seed=5, **kw).fit(data, date="day", count="arrivals"))
    np.testing.assert_array_equal(
        runs[0].idata_["posterior"]["trend"].values, runs[1].idata_["posterior"]["trend"].values
    )


def test_save_load_round_trip_forecasts_identically(fitted, tmp_path):
    path = fitted.save(tmp_path / "demand.nc")
    loaded = CountDemand.load(path)
    np.testing.assert_array_equal(
        loaded.forecast(10, random_seed=4).values, fitted.forecast(10, random_seed=4).values
    )
    pd.testing.assert_series_equal(loaded.observed_, fitted.observed_)


def test_load_rejects_a_foreign_netcdf(tmp_path):
    import xarray as xr

    path = tmp_path / "other.nc"
    xr.DataTree.from_dict({"posterior": xr.Dataset({"a": ("x", [1.0])})}).to_netcdf(
        path, engine="h5netcdf"
    )
    with pytest.raises(ValidationError, match=r"not written by CountDemand\.save"):
        CountDemand.load(path)


def test_summary_lists_parameters_with_named_interval(fitted):
    s = fitted.summary(prob=0.9)
    assert "trend" in s.index and "weekday[Mon]" in s.index and "alpha" in s.index
    assert {"eti90_lb", "eti90_ub", "r_hat", "ess_bulk"} <= set(s.columns)


def test_unfitted_forecast_raises():
    with pytest.raises(NotFittedError, match="call fit"):
        CountDemand().forecast(7)


def _frame(counts, n=60):
    return pd.DataFrame({"date": pd.date_range("2024-01-01", periods=n), "count": counts})


@pytest.mark.parametrize(
    ("df", "kwargs", "fragment"),
    [
        (_frame(np.arange(60)), {"date": "day"}, r"\['day'\] not found"),
        (_frame(np.r_[np.arange(59), np.nan]), {}, "NaN in row"),
        (_frame(np.r_[np.arange(59), -1]), {}, "non-negative whole numbers"),
        (_frame(np.r_[np.arange(59), 2.5]), {}, "row 59"),
        (_frame(["a"] * 60), {}, "pd.to_numeric"),
        (_frame(np.arange(10), n=10), {}, "at least 28 days"),
        (
            pd.DataFrame({"date": ["2024-01-01"] * 30, "count": np.arange(30)}),
            {},
            "more than once",
        ),
        (pd.DataFrame({"date": ["not a date"] * 30, "count": np.arange(30)}), {}, "as dates"),
    ],
)
def test_bad_data_raises(df, kwargs, fragment):
    with pytest.raises(ValidationError, match=fragment):
        CountDemand().fit(df, **kwargs)


def test_bad_forecast_dates_raise(fitted):
    with pytest.raises(ValidationError, match="dates"):
        fitted.forecast(0)
