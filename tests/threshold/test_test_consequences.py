"""test_consequences: 2x2 tables per threshold against hand counts, Wilson intervals vs scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

import decisionkit as dk
from decisionkit.exceptions import ValidationError

# 10 patients; risks and outcomes chosen so the 2x2 tables can be counted by hand
Y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
R = np.array([0.9, 0.6, 0.3, 0.05, 0.7, 0.4, 0.3, 0.2, 0.1, 0.0])


def test_counts_and_statistics_match_hand_computed_tables():
    tc = dk.threshold.test_consequences(Y, {"m": R}, thresholds=[0.0, 0.3, 0.65])
    s = tc.summary.set_index("threshold")
    # threshold 0: everyone but the risk-0 patient is positive -> TP 4, FP 5, FN 0, TN 1
    # threshold 0.3: risks >= 0.3 are 0.9, 0.6, 0.3 (cases) and 0.7, 0.4, 0.3 -> 3, 3, 1, 3
    # threshold 0.65: 0.9 (case), 0.7 (non-case) -> 1, 1, 3, 5
    hand = {0.0: (4, 5, 0, 1), 0.3: (3, 3, 1, 3), 0.65: (1, 1, 3, 5)}
    for t, (a, b, c, d) in hand.items():
        row = s.loc[t]
        assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (a, b, c, d)
        assert row["sensitivity"] == pytest.approx(a / (a + c))
        assert row["specificity"] == pytest.approx(d / (b + d))
        assert row["ppv"] == pytest.approx(a / (a + b))
        assert row["npv"] == pytest.approx(d / (c + d))
        assert row["pos_rate"] == pytest.approx((a + b) / 10)
        assert row["neg_rate"] == pytest.approx((c + d) / 10)
        assert row["tp_rate"] == pytest.approx(a / 10)
        assert row["fp_rate"] == pytest.approx(b / 10)
        assert row["fn_rate"] == pytest.approx(c / 10)
        assert row["tn_rate"] == pytest.approx(d / 10)
        assert row["prevalence"] == pytest.approx(0.4)
        sens, spec = a / (a + c), d / (b + d)
        assert row["lr_pos"] == pytest.approx(sens / (1 - spec))
        assert row["lr_neg"] == pytest.approx((1 - sens) / spec)
    assert s.loc[0.0, "npv"] == 1.0  # d / (c + d) = 1 / 1


def test_rates_agree_with_the_decision_curve():
    rng = np.random.default_rng(0)
    risk = rng.beta(2, 5, 400)
    y = (rng.random(400) < risk).astype(int)
    tc = dk.threshold.test_consequences(y, {"m": risk}).summary
    dc = dk.threshold.decision_curve(y, {"m": risk}).to_frame().query("model == 'm'")
    for col in ("tp_rate", "fp_rate", "pos_rate"):
        np.testing.assert_allclose(tc[col].to_numpy(), dc[col].to_numpy(), atol=1e-15)


@pytest.mark.parametrize("prob", [0.95, 0.8])
def test_intervals_are_wilson_score_intervals(prob):
    tc = dk.threshold.test_consequences(Y, {"m": R}, thresholds=[0.0, 0.3, 0.65], prob=prob)
    frame = tc.to_frame().dropna(subset=["lower"])
    assert {"sensitivity", "specificity", "ppv", "npv", "pos_rate"} <= set(frame["statistic"])
    for row in frame.itertuples():
        # reference: scipy.stats.binomtest(...).proportion_ci(method="wilson")
        ci = binomtest(int(row.x), int(row.total)).proportion_ci(prob, method="wilson")
        assert (row.lower, row.upper) == pytest.approx((ci.low, ci.high), abs=1e-12)
        assert row.lower <= row.estimate <= row.upper


def test_empty_denominator_gives_nan_not_an_error():
    tc = dk.threshold.test_consequences(Y, {"m": R}, thresholds=[0.95])  # nobody positive
    row = tc.at(0.95).iloc[0]
    assert row["tp"] == 0 and row["fp"] == 0
    assert np.isnan(row["ppv"]) and row["specificity"] == 1.0
    ppv = tc.to_frame().query("statistic == 'ppv'")
    assert ppv[["lower", "upper"]].isna().all().all()


def test_case_control_uses_the_given_prevalence():
    # sensitivity and specificity from the sample; rates and PPV/NPV by Bayes' rule
    tc = dk.threshold.test_consequences(Y, {"m": R}, thresholds=[0.3], prevalence=0.1)
    row = tc.at(0.3).iloc[0]
    sens, spec = 3 / 4, 3 / 6
    assert row["sensitivity"] == pytest.approx(sens)
    assert row["tp_rate"] == pytest.approx(sens * 0.1)
    assert row["fp_rate"] == pytest.approx((1 - spec) * 0.9)
    assert row["ppv"] == pytest.approx(sens * 0.1 / (sens * 0.1 + (1 - spec) * 0.9))
    assert row["npv"] == pytest.approx(spec * 0.9 / (spec * 0.9 + (1 - sens) * 0.1))
    assert tc.case_control and "case-control" in repr(tc)
    ppv = tc.to_frame().query("statistic == 'ppv'")
    assert ppv["lower"].isna().all()


def test_result_is_tidy_and_readable():
    tc = dk.threshold.test_consequences(Y, pd.DataFrame({"a": R, "b": 1 - R}))
    frame = tc.to_frame()
    assert list(frame.columns) == [
        "model", "threshold", "statistic", "estimate", "lower", "upper", "x", "total"
    ]  # fmt: skip
    assert len(frame) == 2 * 100 * 13
    assert len(tc.summary) == 200 and tc.models == ("a", "b")
    assert "Wilson" in repr(tc)
    with pytest.raises(ValidationError, match="not on the grid"):
        tc.at(0.505)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"risks": {"m": np.tile(R, (3, 1))}}, "point risks"),
        ({"outcome": Y + 1}, "binary"),
        ({"thresholds": [1.0]}, "in \\[0, 1\\)"),
        ({"prevalence": 0.2, "outcome": np.ones(10)}, "only one class"),
    ],
)
def test_bad_input_is_refused(kwargs, match):
    call = {"outcome": Y, "risks": {"m": R}} | kwargs
    with pytest.raises(ValidationError, match=match):
        dk.threshold.test_consequences(call.pop("outcome"), call.pop("risks"), **call)


def test_plot_draws_each_statistic_with_bands():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tc = dk.threshold.test_consequences(Y, {"a": R, "b": 1 - R}, thresholds=[0.1, 0.3, 0.5])
    ax = dk.plot.test_consequences(tc, statistics=["sensitivity", "ppv"], models=["a"])
    assert [ln.get_label() for ln in ax.get_lines()] == ["Sensitivity", "Positive predictive value"]
    assert len(ax.collections) == 2  # two Wilson bands
    np.testing.assert_allclose(
        ax.get_lines()[0].get_ydata(), [0.75, 0.75, 0.5]
    )  # case risks 0.9 0.6 0.3 0.05
    with pytest.raises(ValidationError, match="statistics"):
        dk.plot.test_consequences(tc, statistics=["accuracy"])
    with pytest.raises(ValidationError, match="models"):
        dk.plot.test_consequences(tc, models=["c"])
    plt.close("all")
