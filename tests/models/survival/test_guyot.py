"""Guyot et al. (2012) reconstruction of individual data from a digitised Kaplan-Meier curve."""

import numpy as np
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models.survival import ParametricSurvival, kaplan_meier, reconstruct_ipd

RISK_TIMES = np.arange(0, 18, 3.0)


def _digitise(km, frame):
    """What a careful digitiser records: ~30 points on the curve's steps (at quantiles of the
    event times) plus a point just before each time of the risk table."""
    events = np.sort(frame.loc[frame["event"] == 1, "time"].to_numpy())
    times = np.quantile(events, np.linspace(0, 1, 30), method="inverted_cdf")
    times = np.append(np.union1d(times, RISK_TIMES[1:] - 1e-3), frame["time"].max())
    return times, km.survival(times)


@pytest.mark.parametrize("seed", [0, 1])
def test_reconstruction_recovers_median_weibull_fit_and_events(simulate, seed):
    df = simulate(300, 1.3, 10.0, censor_rate=0.03, admin=18.0, seed=seed)
    km = kaplan_meier(df, time="time", event="event")
    times, surv = _digitise(km, df)
    n_risk = km.at_risk(RISK_TIMES).iloc[:, 0].to_numpy()
    ipd = reconstruct_ipd(
        times, surv, risk_times=RISK_TIMES, n_risk=n_risk, total_events=int(df["event"].sum())
    )
    assert len(ipd) == len(df) and ipd["event"].sum() == df["event"].sum()
    rebuilt = kaplan_meier(ipd, time="time", event="event")
    # Tolerances (stated in docs/survival.md): the rebuilt curve is within 0.03 of the original
    # on every digitised point; its numbers at risk are within 2% of the table (Guyot places
    # censorings at the midpoint between digitised points, which can fall just past a risk
    # time); the median is within 10%, the Weibull shape within 10% and scale within 5%
    # (events sit at the digitised times, which shifts them slightly later).
    np.testing.assert_allclose(rebuilt.survival(times), surv, atol=0.03)
    at_risk = rebuilt.at_risk(RISK_TIMES).iloc[:, 0].to_numpy()
    assert np.all(np.abs(at_risk - n_risk) <= 0.02 * n_risk[0])
    m0, m1 = km.median()["estimate"].iloc[0], rebuilt.median()["estimate"].iloc[0]
    assert m1 == pytest.approx(m0, rel=0.10)
    w0 = ParametricSurvival("weibull").fit(df, time="time", event="event").summary["estimate"]
    w1 = ParametricSurvival("weibull").fit(ipd, time="time", event="event").summary["estimate"]
    assert w1["shape"] == pytest.approx(w0["shape"], rel=0.10)
    assert w1["scale"] == pytest.approx(w0["scale"], rel=0.05)


def test_without_total_events_the_last_interval_uses_the_average_censoring(simulate):
    df = simulate(300, 1.3, 10.0, censor_rate=0.03, admin=18.0, seed=2)
    km = kaplan_meier(df, time="time", event="event")
    times, surv = _digitise(km, df)
    n_risk = km.at_risk(RISK_TIMES).iloc[:, 0].to_numpy()
    ipd = reconstruct_ipd(times, surv, risk_times=RISK_TIMES, n_risk=n_risk)
    assert len(ipd) == 300
    assert abs(ipd["event"].sum() - df["event"].sum()) <= 0.05 * df["event"].sum()


def test_small_worked_example_by_hand():
    # 10 patients; the curve drops 1 -> 0.8 at t=1 (2 events), 0.6 at t=2, 0.5 at t=3;
    # 6 at risk at t=2, so 2 censored in [0, 2).
    ipd = reconstruct_ipd([0, 1, 2, 3], [1, 0.8, 0.6, 0.5], risk_times=[0, 2], n_risk=[10, 6])
    events = ipd.loc[ipd["event"] == 1, "time"].tolist()
    assert sorted(events)[:3] == [1.0, 1.0, 2.0]
    assert (ipd["time"] < 2).sum() - (ipd.loc[ipd["time"] < 2, "event"]).sum() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"survival": [1, 80, 60]}, "divide by 100"),
        ({"risk_times": [1, 2]}, "starting at 0"),
        ({"n_risk": [10, 12]}, "non-increasing"),
        ({"times": [0, 1]}, "one survival value per"),
        ({"survival": [1, 0.8, np.nan]}, "finite numbers"),
        ({"total_events": 50}, "at most n_risk"),
        (
            {"risk_times": [0, 1.2, 1.5], "n_risk": [10, 8, 5], "times": [0, 1, 3]},
            "no digitised point",
        ),
    ],
)
def test_bad_inputs(kwargs, message):
    args = {"times": [0, 1, 2], "survival": [1, 0.8, 0.6], "risk_times": [0, 1], "n_risk": [10, 8]}
    args.update(kwargs)
    with pytest.raises(ValidationError, match=message):
        reconstruct_ipd(args.pop("times"), args.pop("survival"), **args)
