"""dk.cea.risk_aversion (BCEA CEriskav), mixed_strategy (mixedAn) and bootstrap_ceac."""

import numpy as np
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError

GRID = np.arange(0.0, 40_001.0, 2_000.0)


def _psa(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    return dk.OutcomeDistribution.from_arrays(
        {
            "cost": rng.normal([1000, 2500, 6000], [200, 800, 2500], (n, 3)),
            "qaly": rng.normal([1.0, 1.08, 1.2], [0.02, 0.05, 0.1], (n, 3)),
        },
        actions=["SoC", "Drug", "Device"],
    )


# ------------------------------------------------------------------ risk aversion
def test_risk_neutral_limit_equals_analyze():
    out = _psa()
    ce = dk.cea.analyze(out, wtp=GRID)
    ra = dk.cea.risk_aversion(ce, r=[0.0, 1e-12])
    # r = 0 is u(x) = x exactly: expected NB and the EVPI of analyze (kernel EVPI both ways)
    np.testing.assert_allclose(ra.expected_utility[:, 0], ce.expected_nb, rtol=1e-12, atol=1e-8)
    np.testing.assert_allclose(ra.evpi_values[:, 0], ce.evpi_nb, rtol=1e-9, atol=1e-8)
    # r -> 0: u_r(x) = x - r x^2 / 2 + ..., so 1e-12 moves nothing visible
    np.testing.assert_allclose(ra.evpi_values[:, 1], ce.evpi_nb, rtol=1e-4)
    np.testing.assert_allclose(ra.prob_best[:, 1], ce.prob_best)  # u_r is increasing


def test_exponential_utility_by_hand():
    # wtp 0: NB = -cost. A costs 0; B costs -100 or +100 (mean 0), r = 0.01
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": np.array([[0.0, -100.0], [0.0, 100.0]]), "qaly": np.zeros((2, 2))},
        actions=["A", "B"],
    )
    ra = dk.cea.risk_aversion(out, r=0.01, wtp=[0.0], reference="A")
    u_plus, u_minus = (1 - np.exp(-1)) / 0.01, (1 - np.exp(1)) / 0.01  # u(100), u(-100)
    eib = ra.eib()
    assert eib["eib"].iloc[0] == pytest.approx((u_plus + u_minus) / 2)  # -54.31: B penalised
    # EVPI: E[max(0, u(NB_B))] - max(0, E u(NB_B)) = u(100) / 2 - 0
    assert ra.evpi.iloc[0] == pytest.approx(u_plus / 2)
    assert ra.to_frame().query("optimal")["strategy"].tolist() == ["A"]


def test_risk_aversion_moves_the_choice_to_the_safer_strategy():
    rng = np.random.default_rng(0)
    out = dk.OutcomeDistribution.from_arrays(
        {
            "cost": rng.normal([0, 500], [10, 4000], (4000, 2)),
            "qaly": rng.normal([1.0, 1.05], 0.01, (4000, 2)),
        },
        actions=["Safe", "Risky"],
    )
    ra = dk.cea.risk_aversion(out, r=[0, 1e-4], wtp=[20_000.0], reference="Safe")
    # risk neutral: Risky gains 0.05 * 20,000 - 500 = 500 on average; with r = 1e-4 the
    # certainty equivalent loses about r sd^2 / 2 = 1e-4 * 4000^2 / 2 = 800 > 500
    assert ra.summary["optimal_at_max_wtp"].tolist() == ["Risky", "Safe"]
    eib = ra.eib()["eib"].to_numpy()
    assert eib[0] == pytest.approx(500, abs=150) and eib[1] < 0
    assert ra.evpi.index.names == ["r", "wtp"]


def test_risk_aversion_bad_input():
    out = _psa(50)
    with pytest.raises(ValidationError, match="'r' parameter"):
        dk.cea.risk_aversion(out, r=[-1e-6])
    with pytest.raises(ValidationError, match="repeated"):
        dk.cea.risk_aversion(out, r=[1e-6, 1e-6])
    with pytest.raises(ValidationError, match="overflows"):
        dk.cea.risk_aversion(out, r=1.0, wtp=[0.0])
    with pytest.raises(ValidationError, match="one of the strategies"):
        dk.cea.risk_aversion(out, reference="Nothing")


# ------------------------------------------------------------------ mixed strategy
def test_mixed_strategy_by_hand():
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": np.array([[0.0, 100], [0, 300]]), "qaly": np.array([[1.0, 1.5], [1, 0.5]])},
        actions=["A", "B"],
    )
    mx = dk.cea.mixed_strategy(out, shares=[0.25, 0.75], wtp=[0.0, 1000.0])
    # wtp 1000: NB_A = (1000, 1000), NB_B = (1400, 200): means 1000 and 800; A optimal;
    # mixed = 0.25 * 1000 + 0.75 * 800 = 850; E[max] = (1400 + 1000) / 2 = 1200
    f = mx.to_frame().set_index("wtp").loc[1000.0]
    assert f["expected_nb_mixed"] == pytest.approx(850)
    assert f["evpi_optimal"] == pytest.approx(200)  # 1200 - 1000
    assert f["evpi_mixed"] == pytest.approx(350)  # 1200 - 850, BCEA's evi.star
    assert f["value_of_implementation"] == pytest.approx(150)
    # wtp 0: NB = -cost; A optimal in both draws, mixed = -0.75 * 200 = -150
    assert mx.to_frame()["value_of_implementation"].iloc[0] == pytest.approx(150)
    assert mx.evpi.name == "evpi"


def test_mixed_identities_and_everyone_on_the_optimum():
    out = _psa()
    ce = dk.cea.analyze(out, wtp=GRID)
    mx = dk.cea.mixed_strategy(ce, shares={"Drug": 0.5, "Device": 0.5})
    np.testing.assert_allclose(
        mx.evpi_mixed - mx.evpi_optimal, mx.value_of_implementation, atol=1e-8
    )
    np.testing.assert_allclose(mx.evpi_optimal, ce.evpi_nb)
    assert (mx.value_of_implementation >= 0).all()
    # all of the market on the optimal strategy at wtp 40,000: nothing left to implement
    best = ce.ceaf()["strategy"].iloc[-1]
    one = dk.cea.mixed_strategy(out, shares={best: 1.0}, wtp=[40_000.0])
    assert one.value_of_implementation[0] == pytest.approx(0, abs=1e-9)
    assert one.evpi_mixed[0] == pytest.approx(ce.evpi_nb[-1], rel=1e-9)
    equal = dk.cea.mixed_strategy(out, wtp=[0.0])  # BCEA's default: equal shares
    np.testing.assert_allclose(equal.shares, 1 / 3)


def test_mixed_bad_shares():
    out = _psa(50)
    with pytest.raises(ValidationError, match="sum to 1"):
        dk.cea.mixed_strategy(out, shares=[0.5, 0.5, 0.5])
    with pytest.raises(ValidationError, match="among the strategies"):
        dk.cea.mixed_strategy(out, shares={"Surgery": 1.0})
    with pytest.raises(ValidationError, match="one share per strategy"):
        dk.cea.mixed_strategy(out, shares=[1.0])


# ------------------------------------------------------------------ bootstrap CEAC
def test_bootstrap_ceac_band_matches_binomial_se_and_is_seeded():
    out = _psa(n=1000)
    b1 = dk.cea.bootstrap_ceac(out, n_boot=200, wtp=[10_000.0, 30_000.0], random_seed=5)
    b2 = dk.cea.bootstrap_ceac(out, n_boot=200, wtp=[10_000.0, 30_000.0], random_seed=5)
    np.testing.assert_array_equal(b1.lower, b2.lower)
    ce = dk.cea.analyze(out, wtp=[10_000.0, 30_000.0])
    np.testing.assert_array_equal(b1.prob_best, ce.prob_best)
    # resampling independent draws: the CEAC is a binomial proportion, se = sqrt(P(1-P)/S);
    # with 200 resamples the sd estimate is within ~10% (1 / sqrt(2 * 199) = 5% relative sd)
    p = ce.prob_best
    expected = np.sqrt(p * (1 - p) / 1000)
    ok = expected > 0.005
    np.testing.assert_allclose(b1.se[ok], expected[ok], rtol=0.2)
    assert (b1.lower <= b1.upper).all()
    width = b1.upper - b1.lower
    np.testing.assert_allclose(width[ok], 2 * 1.96 * expected[ok], rtol=0.3)
    f = b1.to_frame()
    assert f.columns.tolist() == ["wtp", "strategy", "prob_best", "lower", "upper", "se"]
    assert "200 resamples" in repr(b1)


def test_bootstrap_ceac_bad_input():
    out = _psa(50)
    with pytest.raises(ValidationError, match="n_boot"):
        dk.cea.bootstrap_ceac(out, n_boot=3)
    with pytest.raises(ValidationError, match="random_seed"):
        dk.cea.bootstrap_ceac(out, random_seed="x")
