"""marker_to_risk: logistic risk (binary) and 1 - S(horizon | marker) (time to event)."""

from __future__ import annotations

import re

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


# Golden outputs of the time-to-event path, recorded on main (commit d7479a0) before
# marker_to_risk moved from the survival package's private evaluation to the fitted model's
# public predict_risk: risks at five patients, sum(risk), sum(risk * marker), and the
# fitted coefficients. Source: marker_to_risk itself at that commit (a regression guard).
GOLDEN_RISK = {
    "weibull": (
        [
            0.33113468604784596,
            0.31088554283550585,
            0.6313820887270286,
            0.2798127465727458,
            0.3073482902977266,
        ],
        54.79989338615978,
        28.001687739352057,
    ),
    "exponential": (
        [
            0.3682030574384728,
            0.3484767530162458,
            0.6465193110501719,
            0.31785573808622636,
            0.3450129841486985,
        ],
        59.15131394025385,
        27.051883276723668,
    ),
    "gompertz": (
        [
            0.32159917295828705,
            0.30162325184159583,
            0.6211682729837819,
            0.27102827891993536,
            0.2981367891740267,
        ],
        53.537984077374986,
        27.793282683224557,
    ),
    "loglogistic": (
        [
            0.3544187140235243,
            0.3299270576915406,
            0.6646695033331794,
            0.2918118397211677,
            0.32561769318800576,
        ],
        56.67090240066592,
        30.088913749929397,
    ),
    "lognormal": (
        [
            0.36927861157718445,
            0.3439218893090066,
            0.6803005714040662,
            0.3039502426392864,
            0.33943510881360006,
        ],
        58.06315803240868,
        31.309504706153497,
    ),
}
GOLDEN_ESTIMATES = {
    "weibull": [1.2520281926954, 3.1781471283880025, -0.6818540709087937],
    "exponential": [0.298192333723505, 0.7678300302305416],
    "gompertz": [0.20960348851299848, 0.21375203012855878, 0.8612748417108674],
    "loglogistic": [1.620116076069319, 2.2278959849828954, -0.744341080336499],
    "lognormal": [0.7939080869890713, 1.0804114839216812, -0.8142045859475421],
}


@pytest.mark.parametrize("model", sorted(GOLDEN_RISK))
def test_survival_risks_agree_with_the_golden_outputs(model):
    t, e, x = survival(n=150, seed=11)
    mr = dk.threshold.marker_to_risk(e, x, time_to_event=t, horizon=1.5, model=model)
    picked, total, weighted = GOLDEN_RISK[model]
    np.testing.assert_allclose(mr.risk[[0, 7, 42, 99, 149]], picked, rtol=1e-12, atol=0)
    np.testing.assert_allclose([mr.risk.sum(), mr.risk @ x], [total, weighted], rtol=1e-12)
    np.testing.assert_allclose(mr.summary["estimate"], GOLDEN_ESTIMATES[model], rtol=1e-12)


# Issue 12: errors name the public function the user called, by its public path.
@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"marker": np.ones(400)}, "The 'marker' of threshold.marker_to_risk takes a single"),
        ({"marker": np.arange(3.0)}, "The 'marker' of threshold.marker_to_risk must be a 1-D"),
        ({"outcome": np.zeros(400)}, "threshold.marker_to_risk needs both events"),
        (
            {"model": "weibull"},
            "The 'model' parameter of threshold.marker_to_risk must be one of 'logistic'.",
        ),
    ],
)
def test_errors_name_the_public_function(kwargs, fragment):
    y, x = binary()
    call = {"outcome": y, "marker": x} | kwargs
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        dk.threshold.marker_to_risk(call.pop("outcome"), call.pop("marker"), **call)
