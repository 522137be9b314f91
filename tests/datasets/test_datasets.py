"""Tests for the bundled data loaders of decisionkit.datasets (admissions, hospitals)."""

import numpy as np
import pandas as pd
import pytest

from decisionkit import datasets
from decisionkit.datasets import _generate


def test_admissions_columns_types_and_span():
    df = datasets.load_admissions()
    assert list(df.columns) == ["date", "admissions", "day_of_week"]
    assert df["date"].dtype.kind == "M" and df["admissions"].dtype == np.int64
    assert df["date"].iloc[0] == pd.Timestamp("2024-01-01")
    assert df["date"].iloc[-1] == pd.Timestamp("2025-12-31")
    assert df["date"].diff().dropna().eq(pd.Timedelta(days=1)).all()
    assert (df["day_of_week"] == df["date"].dt.day_name()).all()


def test_admissions_file_matches_generating_script():
    # the CSV is exactly what the documented seeded process produces
    fresh = _generate.admissions().assign(date=lambda d: pd.to_datetime(d["date"]))
    pd.testing.assert_frame_equal(datasets.load_admissions(), fresh, check_dtype=False)


def test_admissions_weekday_pattern_follows_documented_effects():
    # Documented: Monday busiest (+0.18 log), Sunday quietest (-0.20); ratio exp(0.38) ~ 1.46
    df = datasets.load_admissions()
    means = df.groupby("day_of_week")["admissions"].mean()
    assert means.idxmax() == "Monday" and means.idxmin() == "Sunday"
    assert means["Monday"] / means["Sunday"] == pytest.approx(np.exp(0.38), rel=0.1)


def test_hospital_outcomes_columns_and_file_matches_script():
    df = datasets.load_hospital_outcomes()
    assert list(df.columns) == ["hospital", "procedures", "deaths"]
    assert len(df) == 10 and df["hospital"].is_unique
    assert (df["deaths"] <= df["procedures"]).all()
    pd.testing.assert_frame_equal(df, _generate.hospital_outcomes(), check_dtype=False)


def test_admissions_model_loads_without_sampling_and_forecasts():
    model = datasets.load_admissions_model()
    fc = model.forecast(7, random_seed=0)
    assert fc.dims == ("draw", "date")
    assert fc.sizes["draw"] == 1000  # 2 chains x 500 stored draws
    assert fc["date"].values[0] == np.datetime64("2026-01-01")  # day after the data end
    assert model.observed_.size == 731


def test_admissions_model_recovers_documented_trend():
    # generating trend 0.08 per year; posterior mean within 3 posterior sd
    trend = datasets.load_admissions_model().idata_["posterior"]["trend"].values.ravel()
    assert abs(trend.mean() - 0.08) < 3 * trend.std()


def test_posterior_file_is_small():
    assert datasets._path("admissions_posterior.nc").stat().st_size < 2_000_000


def test_cvd_cohort_matches_its_documented_shape_and_process():
    from decisionkit.datasets import load_cvd_cohort
    from decisionkit.datasets._generate import cvd_cohort

    df = load_cvd_cohort()
    assert df.shape == (2000, 7)
    assert set(df["event"].unique()) == {0, 1}
    # the bundled CSV is exactly what the documented generator produces
    pd.testing.assert_frame_equal(df, cvd_cohort())
