"""Decision curves with competing risks (Aalen-Johansen cumulative incidence)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError

DF_SURV = Path(__file__).parents[1] / "data" / "df_surv_cr.csv"  # dcurves' df_surv (MIT)
CODES = {"event_of_interest": 1, "competing": (2,), "censored": 0}


def cohort(n=400, seed=0, competing=True):
    """Tie-free continuous times: cause 1 and cause 2 latent times, uniform censoring."""
    rng = np.random.default_rng(seed)
    risk = rng.beta(2, 4, n)
    t1 = rng.exponential(1 / (0.2 + 1.5 * risk))
    t2 = rng.exponential(1 / 0.4, n) if competing else np.full(n, np.inf)
    cens = rng.uniform(0.5, 4.0, n)
    time = np.minimum.reduce([t1, t2, cens])
    status = np.select([time == t1, time == t2], [1, 2], 0)
    return time, status, risk


def test_without_competing_events_equals_the_kaplan_meier_curve_exactly():
    time, status, risk = cohort(competing=False)
    assert set(np.unique(status)) == {0, 1}
    km = dk.threshold.decision_curve(status, {"m": risk}, time_to_event=time, horizon=1.5)
    aj = dk.threshold.decision_curve(status, {"m": risk}, time_to_event=time, horizon=1.5, **CODES)
    # identical numbers, not merely close: the AJ incidence is 1 - S - F_2 and F_2 = 0 here
    pd.testing.assert_frame_equal(aj.to_frame(), km.to_frame(), check_exact=True)
    assert aj.competing == (2,) and km.competing == ()


def cif_lifelines(time, status, horizon):
    """Cumulative incidence of cause 1 by `horizon` from lifelines (tie-free data: no jitter)."""
    lifelines = pytest.importorskip("lifelines")
    assert np.unique(time).size == time.size  # lifelines would jitter tied times
    ajf = lifelines.AalenJohansenFitter(calculate_variance=False)
    ajf.fit(time, status, event_of_interest=1)
    cif = ajf.cumulative_density_.iloc[:, 0]
    return float(cif[cif.index <= horizon].iloc[-1])


def test_cumulative_incidence_matches_lifelines_aalen_johansen():
    time, status, risk = cohort(n=300, seed=3)
    assert (status == 2).sum() > 30 and np.unique(time).size == time.size
    thresholds = np.array([0.0, 0.2, 0.35, 0.5])
    h = 1.2
    dc = dk.threshold.decision_curve(
        status, {"m": risk}, thresholds=thresholds, time_to_event=time, horizon=h, **CODES
    )
    frame = dc.to_frame()
    # treat all: the cumulative incidence of everyone (reference: lifelines 0.30)
    assert dc.prevalence == pytest.approx(cif_lifelines(time, status, h), abs=1e-10)
    rows = frame[frame["model"] == "m"]
    for t, tp, pos in zip(rows["threshold"], rows["tp_rate"], rows["pos_rate"], strict=True):
        above = (risk >= t) & (risk > 0)
        assert pos == pytest.approx(above.mean(), abs=1e-15)
        expected = cif_lifelines(time[above], status[above], h)
        assert tp / pos == pytest.approx(expected, abs=1e-10), t


def test_competing_events_lower_the_risk_below_one_minus_kaplan_meier():
    # 1 - KM with competing events censored overstates the incidence (Aalen-Johansen <= 1-KM)
    time, status, risk = cohort(n=500, seed=1)
    aj = dk.threshold.decision_curve(status, {"m": risk}, time_to_event=time, horizon=2, **CODES)
    km = dk.threshold.decision_curve(
        (status == 1).astype(int), {"m": risk}, time_to_event=time, horizon=2
    )
    a, k = aj.to_frame()["tp_rate"].to_numpy(), km.to_frame()["tp_rate"].to_numpy()
    assert aj.prevalence < km.prevalence
    ok = np.isfinite(k)  # NaN where follow-up among positives ends before the horizon
    np.testing.assert_array_equal(np.isfinite(a), ok)
    assert np.all(a[ok] <= k[ok] + 1e-12)
    assert (a[ok] < k[ok] - 1e-3).any()


@pytest.fixture(scope="module")
def df_surv():
    return pd.read_csv(DF_SURV)


def test_dcurves_df_surv_competing_risk_net_benefit(df_surv):
    # Source: R dcurves, dca(Surv(ttcancer, cancer_cr) ~ cancerpredmarker, data = df_surv,
    # time = 1.5): net benefit 0.14700 at threshold 0.1 (issue 20); 0.1611 when death from
    # other causes is treated as censoring (Surv(ttcancer, cancer)).
    kw = {"thresholds": [0.1], "horizon": 1.5, "time_to_event": df_surv["ttcancer"]}
    risks = {"cancerpredmarker": df_surv["cancerpredmarker"]}
    cr = dk.threshold.decision_curve(
        df_surv["cancer_cr"],
        risks,
        event_of_interest="diagnosed with cancer",
        competing=("dead other causes",),
        censored="censor",
        **kw,
    )
    km = dk.threshold.decision_curve(df_surv["cancer"], risks, **kw)
    nb_cr = cr.at(0.1).set_index("model").loc["cancerpredmarker", "net_benefit"]
    nb_km = km.at(0.1).set_index("model").loc["cancerpredmarker", "net_benefit"]
    assert nb_cr == pytest.approx(0.14700, abs=5e-6)
    assert nb_km == pytest.approx(0.1611, abs=5e-5)
    assert "Aalen-Johansen" in repr(cr)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assert "competing risks" in dk.plot.decision_curve(cr).get_title()
    assert "competing risks" not in dk.plot.decision_curve(km).get_title()
    plt.close("all")


def test_bootstrap_intervals_with_competing_risks_are_seeded():
    time, status, risk = cohort(n=200, seed=2)
    kw = {"time_to_event": time, "horizon": 1.5, "n_bootstrap": 20, "random_seed": 5, **CODES}
    a = dk.threshold.decision_curve(status, {"m": risk}, thresholds=[0.1, 0.3], **kw)
    b = dk.threshold.decision_curve(status, {"m": risk}, thresholds=[0.1, 0.3], **kw)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    f = a.to_frame().query("model == 'm'")
    assert np.all(f["net_benefit_lower"] <= f["net_benefit"] + 1e-12)
    assert np.all(f["net_benefit"] <= f["net_benefit_upper"] + 1e-12)


def test_undeclared_event_code_is_a_clear_error():
    time, status, risk = cohort(n=50, seed=4)
    status = status.copy()
    status[0] = 3
    with pytest.raises(ValidationError, match=r"codes 3 that are not declared"):
        dk.threshold.decision_curve(status, {"m": risk}, time_to_event=time, horizon=1, **CODES)


def test_competing_code_without_declaration_points_to_competing():
    time, status, risk = cohort(n=50, seed=4)
    with pytest.raises(ValidationError, match=r"declare them: competing=\(2,\)"):
        dk.threshold.decision_curve(status, {"m": risk}, time_to_event=time, horizon=1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"competing": (1,)}, "must be distinct"),
        ({"censored": (), "competing": (2,)}, "code \\(or codes\\) of censored"),
        ({"competing": (2,), "time_to_event": None}, "no 'time_to_event'"),
    ],
)
def test_bad_competing_declarations(kwargs, match):
    time, status, risk = cohort(n=50, seed=4)
    call = {"time_to_event": time, "horizon": 1.0, **kwargs}
    with pytest.raises(ValidationError, match=match):
        dk.threshold.decision_curve(status, {"m": risk}, **call)


def test_competing_codes_declared_as_censored_give_the_kaplan_meier_curve():
    # the biased analysis dcurves' 0.1611 stands for: competing events treated as censoring
    time, status, risk = cohort(n=150, seed=7)
    coded = dk.threshold.decision_curve(
        status, {"m": risk}, time_to_event=time, horizon=1.0, competing=(), censored=(0, 2)
    )
    binary = dk.threshold.decision_curve(
        (status == 1).astype(int), {"m": risk}, time_to_event=time, horizon=1.0
    )
    pd.testing.assert_frame_equal(coded.to_frame(), binary.to_frame(), check_exact=True)
    assert coded.competing == ()


def test_label_codes_and_the_users_data_are_left_alone():
    time, status, risk = cohort(n=120, seed=6)
    labels = pd.Series(np.array(["censored", "relapse", "death"])[status])
    before = labels.copy()
    by_label = dk.threshold.decision_curve(
        labels,
        {"m": risk},
        time_to_event=time,
        horizon=1.0,
        event_of_interest="relapse",
        competing="death",
        censored="censored",
    )
    by_code = dk.threshold.decision_curve(
        status, {"m": risk}, time_to_event=time, horizon=1.0, **CODES
    )
    pd.testing.assert_frame_equal(by_label.to_frame(), by_code.to_frame())
    pd.testing.assert_series_equal(labels, before)
