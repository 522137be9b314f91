"""Tests for decisionkit.datasets.load_breast_cancer (scikit-learn's Wisconsin data)."""

import numpy as np
import pytest
from sklearn import datasets as sk_datasets

from decisionkit import datasets


@pytest.fixture(scope="module")
def df():
    return datasets.load_breast_cancer()


def test_shape_and_class_counts_match_the_published_data(df):
    # Street et al. (1993) / UCI WDBC: 569 aspirates, 212 malignant, 357 benign.
    assert df.shape == (569, 31)
    assert int(df["malignant"].sum()) == 212
    assert int((df["malignant"] == 0).sum()) == 357


def test_malignant_is_one_minus_sklearn_target(df):
    # scikit-learn codes 0 = malignant, 1 = benign (its target_names).
    bunch = sk_datasets.load_breast_cancer()
    assert list(bunch.target_names) == ["malignant", "benign"]
    np.testing.assert_array_equal(df["malignant"].to_numpy(), 1 - bunch.target)
    assert df["malignant"].dtype == np.int64


def test_feature_columns_are_sklearn_features_renamed_in_order(df):
    bunch = sk_datasets.load_breast_cancer()
    features = df.drop(columns="malignant")
    assert features.columns[:2].tolist() == ["mean_radius", "mean_texture"]
    assert "radius_se" in features.columns and "worst_concave_points" in features.columns
    np.testing.assert_array_equal(features.to_numpy(), bunch.data)
    assert (features.dtypes == np.float64).all()


def test_every_call_returns_a_fresh_frame(df):
    again = datasets.load_breast_cancer()
    again.loc[0, "mean_radius"] = -1.0
    assert datasets.load_breast_cancer().loc[0, "mean_radius"] == df.loc[0, "mean_radius"]
