"""marker_to_risk: logistic risk (binary) and 1 - S(horizon | marker) (time to event)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError


def binary(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 1.0, n)  # a marker on its own scale, not a probability
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2 + 0.8 * x)))).astype(int)
    return y, x


def survival(n=400, seed=1):
    """Weibull times whose scale shrinks as the marker grows: higher marker, earlier event."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    t_event = 3.0 * np.exp(-0.7 * x) * rng.weibull(1.3, n)
    cens = rng.uniform(1, 6, n)
    return np.minimum(t_event, cens), (t_event <= cens).astype(int), x


def test_logistic_risk_solves_the_maximum_likelihood_score_equations():
    y, x = binary()
    mr = dk.threshold.marker_to_risk(y, x)
    p = mr.risk
    # unpenalised logistic MLE: sum(y - p) = 0 and sum(x (y - p)) = 0 (closed-form condition)
    assert abs(np.sum(y - p)) < 1e-6
    assert abs(np.sum(x * (y - p))) < 1e-6
    b0, b1 = mr.summary["estimate"]
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-(b0 + b1 * x))), rtol=1e-12)
    assert b1 > 0 and mr.model == "logistic"
    assert list(mr.to_frame().columns) == ["marker", "risk"]
    assert "logistic regression" in repr(mr)


def test_survival_risk_is_higher_for_patients_whose_events_come_earlier():
    t, e, x = survival()
    mr = dk.threshold.marker_to_risk(e, x, time_to_event=t, horizon=2.0)
    order = np.argsort(x)
    assert np.all(np.diff(mr.risk[order]) > 0)  # the marker shortens survival: risk rises
    high = mr.risk >= np.quantile(mr.risk, 0.75)
    low = mr.risk <= np.quantile(mr.risk, 0.25)

    # higher risk = earlier event: the Kaplan-Meier risk by 2 is larger among high-risk patients
    def km_risk(rows):  # treat-all prevalence of a survival decision curve = 1 - KM(2)
        return dk.threshold.decision_curve(
            e[rows], {"m": mr.risk[rows]}, time_to_event=t[rows], horizon=2.0, thresholds=[0.5]
        ).prevalence

    km_high, km_low = km_risk(high), km_risk(low)
    assert km_high > km_low + 0.2
    assert np.median(t[high & (e == 1)]) < np.median(t[low & (e == 1)])
    # and the decision curve of that risk beats treat-all somewhere (right direction)
    dc = dk.threshold.decision_curve(e, {"marker": mr.risk}, time_to_event=t, horizon=2.0)
    assert dc.useful_intervals("marker")


def test_weibull_risk_matches_lifelines_weibull_aft():
    lifelines = pytest.importorskip("lifelines")
    t, e, x = survival(n=300, seed=4)
    mr = dk.threshold.marker_to_risk(e, x, time_to_event=t, horizon=1.5, model="weibull")
    frame = pd.DataFrame({"t": t, "e": e, "x": x})
    aft = lifelines.WeibullAFTFitter().fit(frame, "t", "e")
    # reference: lifelines 0.30, S(t | x) = exp(-(t / exp(b0 + b1 x))^rho); both are MLEs
    s = aft.predict_survival_function(frame[["x"]], times=[1.5]).to_numpy()[0]
    np.testing.assert_allclose(mr.risk, 1 - s, atol=1e-4)


def test_other_survival_families_and_time_alias():
    t, e, x = survival(n=200, seed=2)
    a = dk.threshold.marker_to_risk(e, x, time_to_event=t, time=1.0, model="exponential")
    assert a.model == "exponential" and a.horizon == 1.0
    assert np.all(np.diff(a.risk[np.argsort(x)]) > 0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"marker": np.ones(400)}, "single value"),
        ({"marker": np.arange(3.0)}, "one value per patient"),
        ({"model": "weibull"}, "model"),
        ({"outcome": np.zeros(400)}, "only one class"),
        ({"marker": "abc"}, "numeric"),
    ],
)
def test_bad_input_is_refused(kwargs, match):
    y, x = binary()
    call = {"outcome": y, "marker": x} | kwargs
    with pytest.raises(ValidationError, match=match):
        dk.threshold.marker_to_risk(call.pop("outcome"), call.pop("marker"), **call)


def test_perfect_separation_is_a_clear_error():
    x = np.arange(20.0)
    y = (x >= 10).astype(int)
    with pytest.raises(ValidationError, match="separates events"):
        dk.threshold.marker_to_risk(y, x)


def test_competing_event_codes_are_refused_with_a_hint():
    t, e, x = survival(n=100, seed=3)
    e = e.copy()
    e[:5] = 2
    with pytest.raises(ValidationError, match="binary"):
        dk.threshold.marker_to_risk(e, x, time_to_event=t, horizon=1.0)
