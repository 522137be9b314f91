"""Thresholds from consequences and per-patient treatment recommendations."""

import re

import numpy as np
import pytest
import xarray as xr

import decisionkit as dk
from decisionkit.exceptions import ValidationError

th = dk.threshold


def test_optimal_threshold_is_harm_over_benefit_plus_harm():
    # Pauker & Kassirer 1980: pt = H / (B + H); B=4, H=1 -> 0.2
    assert th.optimal_threshold(benefit=4, harm=1) == pytest.approx(0.2)


@pytest.mark.parametrize(("benefit", "harm"), [(4.0, 1.0), (1.0, 1.0), (0.3, 2.5)])
def test_optimal_threshold_equalises_expected_utilities(benefit, harm):
    # closed form: at p = pt, E[U(treat)] = p B - (1-p) H equals E[U(no treat)] = 0
    pt = th.optimal_threshold(benefit, harm)
    assert pt * benefit - (1 - pt) * harm == pytest.approx(0.0, abs=1e-12)


def test_threshold_from_utility_matrix_matches_benefit_and_harm():
    # rows actual (no event, event), columns decision (no treatment, treat):
    # B = U11 - U10 = 0.9 - 0.3 = 0.6, H = U00 - U01 = 1.0 - 0.8 = 0.2 -> pt = 0.25
    u = [[1.0, 0.8], [0.3, 0.9]]
    assert th.threshold_from_matrix(u) == pytest.approx(0.25)


def test_threshold_from_cost_matrix_is_negated_utility():
    # cost of a false positive 1, of a false negative 4 -> pt = 1 / (1 + 4)
    assert th.threshold_from_matrix(cost_matrix=[[0, 1], [4, 0]]) == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        (
            {"utility_matrix": [[1, 0], [0, 1]], "cost_matrix": [[0, 1], [1, 0]]},
            ValidationError,
            "exactly one",
        ),
        ({}, ValidationError, "exactly one"),
        ({"utility_matrix": [[1, 0, 0], [0, 1, 0]]}, ValidationError, "2x2"),
        ({"utility_matrix": [[1, 0], [1, 0]]}, ValidationError, "no better"),
        ({"cost_matrix": [[1, 0], [4, 0]]}, ValidationError, "everyone should be treated"),
        ({"utility_matrix": [[1, np.nan], [0, 1]]}, ValidationError, "NaN"),
    ],
)
def test_threshold_from_matrix_rejects_bad_tables(kwargs, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        th.threshold_from_matrix(**kwargs)


@pytest.mark.parametrize(
    ("benefit", "harm", "fragment"), [(0, 1, "'benefit'"), (1, -1, "'harm'"), (np.nan, 1, "finite")]
)
def test_optimal_threshold_rejects_bad_consequences(benefit, harm, fragment):
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        th.optimal_threshold(benefit, harm)


def test_recommend_treatment_expected_utilities_follow_closed_form():
    # E[U(treat)] = E[p] B - (1 - E[p]) H, linear in the risk draws
    rng = np.random.default_rng(0)
    draws = rng.beta(2, 5, (400, 6))
    rec = th.recommend_treatment(draws, benefit=4, harm=1)
    p = draws.mean(axis=0)
    t = rec.to_frame()
    np.testing.assert_allclose(t["eu_treat"], p * 4 - (1 - p) * 1)
    np.testing.assert_allclose(t["eu_no_treatment"], 0.0)
    assert (t["recommended"] == np.where(p > 0.2, "Treat", "No treatment")).all()


def test_recommend_treatment_prob_treat_better_is_share_of_draws_above_threshold():
    # utility of treating is positive exactly when the drawn risk exceeds pt = 0.2
    rng = np.random.default_rng(1)
    draws = rng.beta(2, 6, (1000, 5))
    rec = th.recommend_treatment(draws, benefit=4, harm=1)
    np.testing.assert_allclose(rec.to_frame()["prob_treat_better"], (draws > 0.2).mean(axis=0))


def test_recommend_treatment_threshold_equals_benefit_harm_form():
    # threshold=pt is B = 1, H = pt/(1-pt): same decisions as B=4, H=1 (pt = 0.2)
    rng = np.random.default_rng(2)
    draws = rng.beta(2, 6, (200, 8))
    a = th.recommend_treatment(draws, threshold=0.2)
    b = th.recommend_treatment(draws, benefit=4, harm=1)
    assert a.threshold == pytest.approx(b.threshold)
    assert (a.recommended == b.recommended).all()
    np.testing.assert_allclose(a.to_frame()["eu_treat"] * 4, b.to_frame()["eu_treat"])


def test_recommend_treatment_point_risks_give_certain_probabilities():
    rec = th.recommend_treatment(np.array([0.1, 0.5]), threshold=0.3, unit_labels=["a", "b"])
    t = rec.to_frame()
    assert t["prob_treat_better"].tolist() == [0.0, 1.0]
    assert rec.recommended.to_dict() == {"a": "No treatment", "b": "Treat"}
    assert rec.n_treat == 1


def test_recommend_treatment_accepts_chain_draw_dataarray():
    rng = np.random.default_rng(3)
    values = rng.beta(2, 5, (2, 50, 4))
    da = xr.DataArray(values, dims=("chain", "draw", "unit"))
    a = th.recommend_treatment(da, threshold=0.25).to_frame()
    b = th.recommend_treatment(values.reshape(100, 4), threshold=0.25).to_frame()
    np.testing.assert_allclose(a["eu_treat"], b["eu_treat"])


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        ([[0.1, 0.2]], {"benefit": 1}, "needs 'benefit' and 'harm'"),
        ([[0.1, 0.2]], {"threshold": 0.2, "harm": 1}, "not both"),
        ([[0.1, 1.2]], {"threshold": 0.2}, "never clipped"),
        ([[0.1, 0.2]], {"threshold": 1.0}, "'threshold'"),
        ([[0.1, 0.2]], {"threshold": 0.2, "unit_labels": ["a"]}, "unit_labels"),
    ],
)
def test_recommend_treatment_rejects_bad_input(args, kwargs, fragment):
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        th.recommend_treatment(*args, **kwargs)
