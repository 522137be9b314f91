"""Tests of treatment_outcomes (risk + effect draws -> OutcomeDistribution per patient)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.models import treatment_outcomes

RISK = np.array([[0.1, 0.4], [0.2, 0.5], [0.05, 0.3]])  # 3 draws x 2 patients


def test_output_has_draw_action_unit_dims_and_three_metrics():
    out = treatment_outcomes(RISK, effect=0.5, cost_treat=100, cost_event=1000)
    assert out.metrics == ["events", "cost", "qaly"]
    assert out["cost"].dims == ("draw", "action", "unit")
    assert out.actions == ["No treatment", "Treat"]
    assert out["cost"].shape == (3, 2, 2)


def test_relative_risk_multiplies_the_risk():
    # definition of the relative risk: p_treated = RR * p
    out = treatment_outcomes(RISK, effect=0.5, cost_treat=0, cost_event=0)
    np.testing.assert_allclose(out["events"].sel(action="Treat").values, 0.5 * RISK, rtol=1e-15)
    np.testing.assert_allclose(out["events"].sel(action="No treatment").values, RISK, rtol=0)


def test_odds_ratio_multiplies_the_odds():
    # definition of the odds ratio: p_t / (1 - p_t) = OR * p / (1 - p)
    out = treatment_outcomes(
        RISK, effect=0.6, effect_scale="odds_ratio", cost_treat=0, cost_event=0
    )
    pt = out["events"].sel(action="Treat").values
    np.testing.assert_allclose(pt / (1 - pt), 0.6 * RISK / (1 - RISK), rtol=1e-12)


def test_costs_and_qalys_follow_the_documented_formulas():
    # cost = c_treat * 1[treat] + c_event * p ; qaly = -q_event * p - harm * 1[treat]
    out = treatment_outcomes(
        RISK, effect=0.5, cost_treat=100, cost_event=1000, qaly_event=2.0, harm_qaly=0.01
    )
    np.testing.assert_allclose(out["cost"].sel(action="No treatment").values, 1000 * RISK)
    np.testing.assert_allclose(out["cost"].sel(action="Treat").values, 100 + 500 * RISK)
    np.testing.assert_allclose(out["qaly"].sel(action="No treatment").values, -2 * RISK)
    np.testing.assert_allclose(out["qaly"].sel(action="Treat").values, -RISK - 0.01)


def test_effect_draws_pair_with_risk_draws_and_become_inputs():
    effect = np.array([0.5, 0.8, 1.0])
    out = treatment_outcomes(RISK, effect=effect, cost_treat=0, cost_event=0)
    np.testing.assert_allclose(out["events"].sel(action="Treat").values, effect[:, None] * RISK)
    np.testing.assert_array_equal(out.inputs["effect[Treat]"].to_numpy(), effect)


def test_unit_labels_come_from_predict_risk_dataarray():
    risk = xr.DataArray(RISK, dims=["draw", "unit"], coords={"unit": ["ann", "bob"]})
    out = treatment_outcomes(risk, effect=0.5, cost_treat=1, cost_event=1)
    assert list(out["cost"]["unit"].values) == ["ann", "bob"]


def test_mapping_effect_gives_several_treated_actions():
    out = treatment_outcomes(
        RISK,
        effect={"Drug A": 0.5, "Drug B": 0.7},
        cost_treat={"Drug A": 300, "Drug B": 50},
        cost_event=1000,
    )
    assert out.actions == ["No treatment", "Drug A", "Drug B"]
    np.testing.assert_allclose(out["cost"].sel(action="Drug B").values, 50 + 700 * RISK)


def test_three_line_usage_recommends_per_patient_by_net_benefit():
    # Expected NMB gain of treating = p * (1 - RR) * (c_event + wtp * q_event) - c_treat:
    # 0.3 * 0.02 * 15000 - 300 = -210 < 0 (no), 0.3 * 0.30 * 15000 - 300 = +1050 > 0 (treat).
    rng = np.random.default_rng(4)
    risk = rng.beta([2, 30], [98, 70], size=(4000, 2))
    out = treatment_outcomes(risk, effect=0.7, cost_treat=300, cost_event=5000, qaly_event=0.5)
    best = dk.decide(out, dk.utility.net_monetary_benefit(wtp=20000)).best
    assert best.tolist() == ["No treatment", "Treat"]
    assert best.index.name == "unit"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"effect": 3.0}, "above 1"),
        ({"effect": -0.5}, "> 0 (a ratio)"),
        ({"effect": np.ones(5)}, "'effect['Treat']' has 5 draws but 'risk' has 3"),
        ({"effect": 0.5, "effect_scale": "hazard_ratio"}, "'effect_scale'"),
        ({"effect": 0.5, "actions": ["A", "B", "C"]}, "must name 2 actions"),
        ({"effect": {"X": 0.5}, "cost_treat": {"Y": 1}}, "treated actions are ['X']"),
        ({"effect": 0.5, "cost_event": np.nan}, "finite"),
    ],
)
def test_bad_input_raises_clear_error(kwargs, fragment):
    args = {"cost_treat": 1.0, "cost_event": 1.0, **kwargs}
    with pytest.raises(ValidationError) as info:
        treatment_outcomes(RISK, **args)
    assert fragment in str(info.value)


@pytest.mark.parametrize("bad", [RISK * 3, np.where(RISK > 0.3, np.nan, RISK)])
def test_risk_outside_unit_interval_is_rejected(bad):
    with pytest.raises(ValidationError, match="not probabilities in"):
        treatment_outcomes(bad, effect=0.5, cost_treat=1, cost_event=1)


def _plain_numpy(p0, theta, c_treat, harm, c_event, q_event, odds):
    """The documented formulas as the pre-compiled implementation evaluated them (golden)."""
    k = theta.shape[1]
    events = np.empty((p0.shape[0], k + 1, p0.shape[1]))
    events[:, 0] = p0
    for j in range(k):
        col = theta[:, j, None]
        events[:, j + 1] = col * p0 / (1.0 - p0 + col * p0) if odds else p0 * col
    tc = np.concatenate([np.zeros((p0.shape[0], 1)), c_treat], axis=1)[:, :, None]
    th = np.concatenate([np.zeros((p0.shape[0], 1)), harm], axis=1)[:, :, None]
    cost = tc + c_event[:, None, None] * events
    qaly = -q_event[:, None, None] * events - th
    return events, cost, qaly


@pytest.mark.parametrize("scale", ["relative_risk", "odds_ratio"])
def test_compiled_metrics_are_bit_identical_to_the_numpy_formulas(scale):
    # golden: the compiled single pass keeps numpy's order of operations (no fused
    # multiply-add), so every value equals the plain numpy expression exactly
    rng = np.random.default_rng(12)
    n_draws = 300
    p0 = rng.beta(2, 8, size=(n_draws, 41))
    theta = rng.lognormal(np.log(0.7), 0.1, (n_draws, 2))
    c_treat, harm = rng.gamma(5, 60, (n_draws, 2)), rng.gamma(2, 0.005, (n_draws, 2))
    c_event, q_event = rng.gamma(20, 250, n_draws), rng.beta(5, 5, n_draws)
    out = treatment_outcomes(
        p0,
        effect={"A": theta[:, 0], "B": theta[:, 1]},
        effect_scale=scale,
        cost_treat={"A": c_treat[:, 0], "B": c_treat[:, 1]},
        harm_qaly={"A": harm[:, 0], "B": harm[:, 1]},
        cost_event=c_event,
        qaly_event=q_event,
    )
    expected = _plain_numpy(p0, theta, c_treat, harm, c_event, q_event, scale == "odds_ratio")
    for name, want in zip(("events", "cost", "qaly"), expected, strict=True):
        np.testing.assert_array_equal(out[name].values, want)


def test_dask_backed_risk_gives_lazy_outcomes_equal_to_in_memory():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(5)
    p0 = rng.beta(2, 8, size=(200, 1_000))
    risk = xr.DataArray(p0, dims=["draw", "unit"], coords={"unit": np.arange(1_000) * 10})
    lazy_risk = risk.copy(data=da.from_array(p0, chunks=(200, 300)))
    kwargs = {"effect": rng.lognormal(-0.3, 0.1, 200), "cost_treat": 300, "cost_event": 5000,
              "qaly_event": 0.5}  # fmt: skip
    eager = treatment_outcomes(risk, **kwargs)
    lazy = treatment_outcomes(lazy_risk, **kwargs)
    assert lazy.is_lazy
    for name in eager.metrics:
        np.testing.assert_array_equal(lazy[name].values, eager[name].values)
    np.testing.assert_array_equal(lazy.inputs.to_numpy(), eager.inputs.to_numpy())
    util = dk.utility.net_monetary_benefit(wtp=20_000)
    pd_eager = dk.decide(eager, util, prob=None).table
    pd_lazy = dk.decide(lazy, util, prob=None).table
    assert pd_lazy.equals(pd_eager)


def test_dask_backed_risk_outside_unit_interval_fails_when_computed():
    da = pytest.importorskip("dask.array")
    bad = np.where(RISK > 0.3, 1.5, RISK)
    lazy = xr.DataArray(da.from_array(bad, chunks=(3, 1)), dims=["draw", "unit"])
    out = treatment_outcomes(lazy, effect=0.5, cost_treat=1, cost_event=1)  # lazy: no error yet
    with pytest.raises(ValidationError, match="not probabilities in"):
        out.compute()


def test_outputs_are_read_only():
    out = treatment_outcomes(RISK, effect=0.5, cost_treat=1, cost_event=1)
    with pytest.raises(ValueError, match="read-only"):
        out["cost"].values[0, 0, 0] = 1.0
