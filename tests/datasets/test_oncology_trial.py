"""Tests for dk.datasets.load_oncology_trial (simulated two-arm PFS/OS trial)."""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

from decisionkit import datasets
from decisionkit.datasets import _oncology
from decisionkit.models.survival import kaplan_meier


def test_columns_types_and_ordering_of_pfs_and_os():
    df = datasets.load_oncology_trial()
    assert list(df.columns) == [
        "patient",
        "arm",
        "pfs_months",
        "pfs_event",
        "os_months",
        "os_event",
    ]
    assert df.shape == (500, 6)
    assert (df.groupby("arm").size() == 250).all()
    assert (df["pfs_months"] > 0).all() and (df["pfs_months"] <= df["os_months"]).all()
    assert set(df["pfs_event"]) <= {0, 1} and set(df["os_event"]) <= {0, 1}
    # follow-up ends at month 36 (administrative censoring)
    assert df["os_months"].max() <= _oncology.CUTOFF


def test_same_seed_same_data_and_a_new_frame_each_call():
    a, b = datasets.load_oncology_trial(), datasets.load_oncology_trial()
    pd.testing.assert_frame_equal(a, b)
    a.loc[0, "os_months"] = -1.0
    assert datasets.load_oncology_trial().loc[0, "os_months"] > 0


def test_kaplan_meier_pfs_median_recovers_the_simulated_truth():
    # Standard care PFS: S(t) = exp(-(t/7)^1.3 - 0.008 t) (Weibull progression, constant
    # death hazard before it); its median solves (t/7)^1.3 + 0.008 t = ln 2.
    truth = brentq(lambda t: (t / 7) ** 1.3 + 0.008 * t - np.log(2), 0.1, 30)
    df = datasets.load_oncology_trial(4_000, random_seed=1)
    km = kaplan_meier(df, time="pfs_months", event="pfs_event", by="arm")
    assert km.median().loc["Standard care", "estimate"] == pytest.approx(truth, rel=0.04)
    # new drug: progression hazard x 0.55, so its median is longer
    assert km.median().loc["New drug", "estimate"] > 1.3 * truth
