import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError

# VA HERC worked example, as tested in dampack (tests/testthat/test_icers.R)
HERC_COST = [55000, 35000, 25000, 10000, 12000, 5000]
HERC_EFFECT = [5, 4, 3, 2, 1.5, 1]
HERC_NAMES = ["E", "D", "C", "B", "A", "UC"]


def _by_name(table):
    return table.set_index("strategy")


def test_herc_frontier_is_uc_b_d_e():
    t = dk.cea.icer_table(HERC_COST, HERC_EFFECT, HERC_NAMES)
    assert t.loc[t.status == "ND", "strategy"].tolist() == ["UC", "B", "D", "E"]


def test_herc_icers_along_frontier():
    # HERC / dampack: 5000 (B vs UC), 12500 (D vs B), 20000 (E vs D)
    t = _by_name(dk.cea.icer_table(HERC_COST, HERC_EFFECT, HERC_NAMES))
    np.testing.assert_allclose(t.loc[["B", "D", "E"], "icer"], [5000, 12500, 20000])
    assert np.isnan(t.loc["UC", "icer"])


def test_herc_incremental_cost_and_effect_vs_previous_frontier_strategy():
    t = _by_name(dk.cea.icer_table(HERC_COST, HERC_EFFECT, HERC_NAMES))
    # hand calculation: B-UC = (5000, 1), D-B = (25000, 2), E-D = (20000, 1)
    np.testing.assert_allclose(t.loc[["B", "D", "E"], "inc_cost"], [5000, 25000, 20000])
    np.testing.assert_allclose(t.loc[["B", "D", "E"], "inc_effect"], [1, 2, 1])


def test_herc_c_extendedly_dominated_and_a_dominated():
    t = _by_name(dk.cea.icer_table(HERC_COST, HERC_EFFECT, HERC_NAMES))
    assert t.loc["C", "status"] == "ED"
    assert t.loc["A", "status"] == "D"
    assert t.loc[["A", "C"], "icer"].isna().all()


def test_table_sorted_by_cost_with_documented_columns():
    t = dk.cea.icer_table(HERC_COST, HERC_EFFECT, HERC_NAMES)
    assert list(t.columns) == [
        "strategy",
        "cost",
        "effect",
        "inc_cost",
        "inc_effect",
        "icer",
        "status",
    ]
    assert t["cost"].is_monotonic_increasing


def test_ties_and_cost_saving_reference_dominates_the_rest():
    # dampack test_icers.R "ties": Test & treat is cheapest and (jointly) most effective
    t = _by_name(
        dk.cea.icer_table(
            [163771.0, 164848.7, 163765.1],
            [6.48273, 6.52861, 6.52861],
            ["No Treat", "Treat all", "Test & treat"],
        )
    )
    assert t.loc["Test & treat", "status"] == "ND"
    assert np.isnan(t.loc["Test & treat", "icer"])
    assert t.loc[["No Treat", "Treat all"], "status"].tolist() == ["D", "D"]


def test_identical_strategies_keep_the_first_listed():
    # dampack rule: of two strategies with equal cost and effect the later one is dominated
    t = _by_name(dk.cea.icer_table([10, 10, 20], [1, 1, 2], ["X", "Y", "Z"]))
    assert t["status"].to_dict() == {"X": "ND", "Y": "D", "Z": "ND"}


def test_one_strategy_alone_has_no_icer():
    t = dk.cea.icer_table([100.0], [1.0], ["Only"])
    assert t["status"].tolist() == ["ND"]
    assert t[["inc_cost", "inc_effect", "icer"]].isna().all(axis=None)


def test_negative_costs_are_allowed():
    # a cost-saving strategy: icer of B vs A = (-50 - -100) / (2 - 1) = 50
    t = _by_name(dk.cea.icer_table([-100.0, -50.0], [1.0, 2.0], ["A", "B"]))
    assert t.loc["B", "icer"] == pytest.approx(50.0)


def test_collinear_strategy_stays_on_frontier():
    # B lies exactly on the line A-C: equal ICERs (10, 10) are not extended dominance
    t = _by_name(dk.cea.icer_table([0, 10, 20], [0, 1, 2], ["A", "B", "C"]))
    assert (t["status"] == "ND").all()


def test_icers_recomputed_after_removing_extended_dominance():
    # ICERs 10, 30, 20, 40 -> C (30 > 20) is ED; then B-D: (60-10)/(3-1)=25 < 40 keeps frontier
    cost = [0, 10, 40, 60, 100]
    effect = [0, 1, 2, 3, 4]
    t = _by_name(dk.cea.icer_table(cost, effect, list("ABCDE")))
    assert t.loc["C", "status"] == "ED"
    np.testing.assert_allclose(t.loc["D", "icer"], 25.0)
    # convex-hull check: frontier ICERs are increasing
    assert t.loc[t.status == "ND", "icer"].dropna().is_monotonic_increasing


def test_input_order_does_not_matter():
    rng = np.random.default_rng(3)
    perm = rng.permutation(6)
    a = dk.cea.icer_table(HERC_COST, HERC_EFFECT, HERC_NAMES)
    b = dk.cea.icer_table(
        np.array(HERC_COST)[perm], np.array(HERC_EFFECT)[perm], [HERC_NAMES[i] for i in perm]
    )
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("args", "error", "fragment"),
    [
        (([1.0, np.nan], [1, 2], ["A", "B"]), ValidationError, "NaN"),
        (([1.0, 2.0], [1, np.inf], ["A", "B"]), ValidationError, "infinite"),
        (([1.0, 2.0], [1, 2], ["A", "A"]), ValidationError, "unique names"),
        (([1.0, 2.0], [1, 2], ["A"]), ValidationError, "one name per strategy"),
        (([], [], []), ValidationError, "non-empty"),
        ((["x", 2.0], [1, 2], ["A", "B"]), ValidationError, "sequence of numbers"),
        (([1.0], [1.0], "A"), ValidationError, "sequence of names"),
    ],
)
def test_bad_input_raises_clear_error(args, error, fragment):
    with pytest.raises(error, match=fragment):
        dk.cea.icer_table(*args)


@pytest.mark.parametrize("seed", range(5))
def test_frontier_is_the_set_of_nmb_maximisers(seed):
    # independent brute force: a strategy is on the frontier iff it maximises lambda*E - C
    # for some lambda >= 0; between consecutive pairwise ICERs the maximiser is constant
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 100, 12)
    effect = rng.uniform(0, 10, 12)
    names = [f"s{i}" for i in range(12)]
    dc = cost[:, None] - cost[None, :]
    de = effect[:, None] - effect[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        cuts = np.unique((dc / de)[(de != 0) & (dc / de > 0)])
    probes = np.concatenate(([0.0], (cuts[1:] + cuts[:-1]) / 2, [cuts[-1] * 2 + 1]))
    winners = {names[i] for i in np.argmax(probes[:, None] * effect - cost, axis=1)}
    t = dk.cea.icer_table(cost, effect, names)
    assert set(t.loc[t.status == "ND", "strategy"]) == winners
