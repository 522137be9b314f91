"""Kaplan-Meier estimate, Greenwood intervals, numbers at risk."""

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models.survival import SurvivalData, kaplan_meier

# A hand-worked example: times 1, 2, 2+, 3, 5+ (+ = censored).
SMALL = pd.DataFrame({"t": [1, 2, 2, 3, 5.0], "d": [1, 1, 0, 1, 0]})


def test_product_limit_and_greenwood_by_hand():
    km = kaplan_meier(SMALL, time="t", event="d", ci_kind="plain")
    tab = km.table.set_index("time")
    # S(1) = 4/5, S(2) = 4/5 * 3/4, S(3) = 0.6 * 1/2 (2 at risk at t=3)
    np.testing.assert_allclose(tab.loc[[1.0, 2.0, 3.0], "survival"], [0.8, 0.6, 0.3])
    assert tab.loc[3.0, "n_risk"] == 2 and tab.loc[2.0, "n_censor"] == 1
    # Greenwood: Var S(2) = 0.6^2 (1/(5*4) + 1/(4*3))
    assert tab.loc[2.0, "se"] == pytest.approx(0.6 * np.sqrt(1 / 20 + 1 / 12))
    assert tab.loc[2.0, "lower"] == pytest.approx(0.6 - 1.959964 * tab.loc[2.0, "se"], rel=1e-6)


def test_log_log_interval_stays_in_unit_interval_and_brackets_the_estimate(weibull_frame):
    km = kaplan_meier(weibull_frame, time="time", event="event", by="arm")
    t = km.table
    assert ((t["lower"] <= t["survival"]) & (t["survival"] <= t["upper"])).all()
    assert t["lower"].between(0, 1).all() and t["upper"].between(0, 1).all()
    assert km.groups == ["A", "B"]


def test_left_truncation_removes_late_entrants_from_the_early_risk_sets():
    df = SMALL.assign(e=[0, 0, 1.5, 0, 0])  # the third patient enters at 1.5
    km = kaplan_meier(df, time="t", event="d", entry="e")
    tab = km.table.set_index("time")
    # at t=1 only 4 at risk, so S(1) = 3/4; at t=2 four at risk (entrant included)
    assert tab.loc[1.0, "n_risk"] == 4 and tab.loc[1.0, "survival"] == pytest.approx(0.75)
    assert tab.loc[2.0, "n_risk"] == 4


def test_numbers_at_risk_and_median():
    km = kaplan_meier(SMALL, time="t", event="d")
    assert km.at_risk([0, 2, 2.5, 6]).iloc[:, 0].tolist() == [5, 4, 2, 0]
    assert km.median().loc["all", "estimate"] == 3.0  # first time S <= 0.5


def test_kaplan_meier_accepts_survival_data_and_rejects_unknown_group():
    data = SurvivalData.from_frame(
        SMALL.assign(g=list("aabba")), time="t", event="d", covariates="g"
    )
    km = kaplan_meier(data, by="g")
    with pytest.raises(ValidationError, match="'group' parameter"):
        km.survival([1.0], group="c")
    with pytest.raises(ValidationError, match="'ci_kind' parameter"):
        kaplan_meier(data, ci_kind="arcsine")
