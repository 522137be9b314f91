import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError

WTP = np.arange(0.0, 30_001.0, 500.0)


def _outcomes(n=2000, seed=0, k=3):
    """Normal draws with means on a known frontier: costs 0, 1000, 4000; QALYs 1, 1.1, 1.2."""
    rng = np.random.default_rng(seed)
    cost = rng.normal([0.0, 1000.0, 4000.0][:k], 300.0, (n, k))
    qaly = rng.normal([1.0, 1.1, 1.2][:k], 0.05, (n, k))
    return dk.OutcomeDistribution.from_arrays(
        {"cost": cost, "qaly": qaly}, actions=["SoC", "Drug A", "Drug B"][:k]
    )


def _decide(out, w):
    return dk.decide(out, dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=w))


def test_ceac_sums_to_one_at_every_wtp():
    ce = dk.cea.analyze(_outcomes(), wtp=WTP)
    sums = ce.ceac().groupby("wtp")["prob_best"].sum()
    np.testing.assert_allclose(sums, 1.0)


def test_evpi_equals_decide_evpi_at_each_wtp():
    out = _outcomes()
    ce = dk.cea.analyze(out, wtp=WTP)
    expected = [_decide(out, w).evpi for w in WTP[::10]]
    got = ce.evpi.to_numpy()[::10]
    # identical up to rounding of E[NB] (mean of draws vs lambda*mean(E) - mean(C))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-6)


def test_ceac_equals_decide_prob_best_on_grid():
    out = _outcomes()
    ce = dk.cea.analyze(out, wtp=WTP)
    table = _decide(out, WTP).table.pivot(index="wtp", columns="action", values="prob_best")
    np.testing.assert_array_equal(ce.prob_best, table[out.actions].to_numpy())


def test_ceac_shares_exact_ties_like_decide():
    # at wtp = 0 two strategies with identical cost draws tie in every draw
    rng = np.random.default_rng(1)
    c = rng.normal(100, 10, (500, 1))
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": np.hstack([c, c, c + 50]), "qaly": rng.normal(1, 0.1, (500, 3))},
        actions=["A", "B", "C"],
    )
    ce = dk.cea.analyze(out, wtp=[0.0, 1000.0])
    table = _decide(out, np.array([0.0, 1000.0])).table
    expected = table.pivot(index="wtp", columns="action", values="prob_best")[["A", "B", "C"]]
    np.testing.assert_allclose(ce.prob_best, expected.to_numpy())
    np.testing.assert_allclose(ce.prob_best[0], [0.5, 0.5, 0.0])


def test_ceaf_strategy_matches_decide_best():
    out = _outcomes()
    grid = np.array([0.0, 5000.0, 20_000.0, 40_000.0])  # away from the switch points
    ce = dk.cea.analyze(out, wtp=grid)
    assert ce.ceaf()["strategy"].tolist() == _decide(out, grid).best.tolist()


def test_switch_points_are_frontier_icers():
    out = _outcomes(n=500)
    ce = dk.cea.analyze(out, wtp=WTP)
    t = ce.icers().set_index("strategy")
    sp = ce.switch_points()
    assert sp["from_strategy"].tolist() == ["SoC", "Drug A"]
    np.testing.assert_allclose(sp["wtp"], t.loc[["Drug A", "Drug B"], "icer"])


def test_ceaf_changes_exactly_at_switch_points():
    # closed form: ICERs of the true means are 10,000 (A vs SoC) and 30,000 (B vs A)
    out = _outcomes(n=4000)
    ce = dk.cea.analyze(out, wtp=np.arange(0.0, 60_001.0, 50.0))
    sp = ce.switch_points()["wtp"].to_numpy()
    f = ce.ceaf()
    changes = f["wtp"].to_numpy()[1:][f["strategy"].to_numpy()[1:] != f["strategy"].to_numpy()[:-1]]
    # each change happens at the first grid value at or above a switch point
    np.testing.assert_allclose(changes, np.ceil(sp / 50.0) * 50.0)
    np.testing.assert_allclose(sp, [10_000, 30_000], rtol=0.1)


def test_two_strategy_ceac_is_probability_inb_positive():
    # with two strategies "highest NB" and "INB > 0" coincide (BCEA's definition)
    out = _outcomes(k=2)
    ce = dk.cea.analyze(out, wtp=WTP, reference="SoC")
    inb = ce.inb()
    p_new = ce.ceac().query("strategy == 'Drug A'")["prob_best"].to_numpy()
    np.testing.assert_allclose(p_new, inb["prob_positive"].to_numpy())


def test_inb_mean_is_linear_in_wtp():
    # E[INB] = lambda * dE - dC, exact from the means
    out = _outcomes()
    ce = dk.cea.analyze(out, wtp=WTP, reference="SoC")
    inb = ce.inb().query("strategy == 'Drug B'")
    c, e = out["cost"].values, out["qaly"].values
    expected = WTP * (e[:, 2] - e[:, 0]).mean() - (c[:, 2] - c[:, 0]).mean()
    np.testing.assert_allclose(inb["inb"], expected, rtol=1e-10, atol=1e-6)
    assert (inb["lower"] <= inb["inb"]).all() and (inb["inb"] <= inb["upper"]).all()


def test_inb_interval_is_the_empirical_quantile():
    out = _outcomes()
    ce = dk.cea.analyze(out, wtp=WTP, reference="SoC", prob=0.9)
    row = ce.inb(wtp=20_000.0).query("strategy == 'Drug A'")
    c, e = out["cost"].values, out["qaly"].values
    draws = 20_000.0 * (e[:, 1] - e[:, 0]) - (c[:, 1] - c[:, 0])
    np.testing.assert_allclose(
        row[["lower", "upper"]].to_numpy()[0], np.quantile(draws, [0.05, 0.95])
    )


def test_ce_plane_is_draws_minus_reference():
    out = _outcomes(n=100)
    frame = dk.cea.analyze(out, wtp=WTP, reference="Drug A").ce_plane()
    assert set(frame["strategy"]) == {"SoC", "Drug B"}
    soc = frame[frame.strategy == "SoC"]
    c = out["cost"].values
    np.testing.assert_allclose(soc["inc_cost"], c[:, 0] - c[:, 1])


def test_default_reference_is_lowest_expected_cost():
    assert dk.cea.analyze(_outcomes(), wtp=WTP).reference == "SoC"


def test_one_strategy_alone_works():
    out = _outcomes(k=1)
    ce = dk.cea.analyze(out, wtp=WTP)
    np.testing.assert_allclose(ce.prob_best, 1.0)
    np.testing.assert_allclose(ce.evpi, 0.0, atol=1e-9)
    assert ce.switch_points().empty
    assert ce.ce_plane().empty
    assert "1 strategies" in ce.summary()


def test_same_inputs_same_result():
    a = dk.cea.analyze(_outcomes(), wtp=WTP)
    b = dk.cea.analyze(_outcomes(), wtp=WTP)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_result_is_immutable():
    ce = dk.cea.analyze(_outcomes(), wtp=WTP)
    with pytest.raises(AttributeError):
        ce.reference = "Drug A"
    with pytest.raises(ValueError, match="read-only"):
        ce.prob_best[0, 0] = 2.0


def test_to_frame_flags_one_optimal_strategy_per_wtp():
    frame = dk.cea.analyze(_outcomes(), wtp=WTP).to_frame()
    assert (frame.groupby("wtp")["optimal"].sum() == 1).all()
    assert list(frame.columns) == ["wtp", "strategy", "expected_nb", "prob_best", "optimal"]


def test_summary_mentions_switch_points():
    text = dk.cea.analyze(_outcomes(), wtp=WTP).summary()
    assert "Optimal switches SoC -> Drug A" in text


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"wtp": [0, 200, 100]}, ValidationError, "strictly increasing"),
        ({"wtp": [-100, 0, 100]}, ValidationError, "non-negative"),
        ({"wtp": [0, np.nan]}, ValidationError, "non-negative finite"),
        ({"wtp": -5}, ValidationError, ">= 0"),
        ({"reference": "Nope"}, ValidationError, "one of the strategies"),
        ({"cost": "costs"}, ValidationError, "Unknown metric"),
        ({"prob": 1.5}, ValidationError, "'prob'"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        dk.cea.analyze(_outcomes(n=50), **kwargs)


def test_nan_costs_rejected_but_negative_costs_allowed():
    c = np.array([[-10.0, 5.0], [-20.0, 6.0], [-15.0, 7.0]])
    e = np.ones((3, 2))
    ok = dk.OutcomeDistribution.from_arrays({"cost": c, "qaly": e}, actions=["A", "B"])
    assert dk.cea.analyze(ok, wtp=[0.0]).ceaf()["strategy"].iloc[0] == "A"
    assert c.flags.writeable  # analyze never alters the user's arrays
    c[0, 0] = np.nan
    with pytest.raises(ValidationError, match="NaN"):
        dk.OutcomeDistribution.from_arrays({"cost": c, "qaly": e}, actions=["A", "B"])


def test_repeated_strategy_names_rejected():
    with pytest.raises(ValidationError, match="unique names"):
        dk.OutcomeDistribution.from_arrays(
            {"cost": np.ones((3, 2)), "qaly": np.ones((3, 2))}, actions=["A", "A"]
        )


def test_outcomes_must_be_an_outcome_distribution():
    with pytest.raises(ValidationError, match="OutcomeDistribution"):
        dk.cea.analyze({"cost": np.ones((3, 2))})


def test_extra_dims_rejected():
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": np.ones((3, 2, 4)), "qaly": np.ones((3, 2, 4))}, dims=["unit"]
    )
    with pytest.raises(ValidationError, match="extra dims"):
        dk.cea.analyze(out)


def test_scalar_wtp_gives_one_row_per_strategy():
    ce = dk.cea.analyze(_outcomes(), wtp=20_000)
    assert ce.ceac()["wtp"].tolist() == [20_000.0] * 3
