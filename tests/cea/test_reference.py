"""dk.cea.incremental: every comparator against a chosen reference (BCEA's ``ref=``)."""

import re

import numpy as np
import pytest
from scipy.stats import norm

import decisionkit as dk
from decisionkit.exceptions import ValidationError

# four draws, three strategies; numbers chosen so every value below is exact by hand
COST = np.array([[0.0, 100, 500], [0, 300, 300], [0, 200, 400], [0, 200, 400]])
QALY = np.array([[1.0, 2, 1], [1, 2, 3], [1, 3, 2], [1, 1, 2]])


def _out():
    return dk.OutcomeDistribution.from_arrays({"cost": COST, "qaly": QALY}, actions=["A", "B", "C"])


def test_icers_against_the_reference_by_hand():
    s = dk.cea.incremental(_out(), reference="A").summary
    # by hand: B - A: dE = (1, 1, 2, 0) mean 1, dC = (100, 300, 200, 200) mean 200 -> 200;
    # C - A: dE = (0, 2, 1, 1) mean 1, dC = (500, 300, 400, 400) mean 400 -> 400
    assert s["strategy"].tolist() == ["B", "C"]
    np.testing.assert_allclose(s["inc_effect"], [1.0, 1.0])
    np.testing.assert_allclose(s["inc_cost"], [200.0, 400.0])
    np.testing.assert_allclose(s["icer"], [200.0, 400.0])
    assert s["quadrant"].tolist() == ["NE", "NE"]
    assert (s["reference"] == "A").all()


def test_changing_the_reference_changes_signs_and_flags_zero_effect():
    s = dk.cea.incremental(_out(), reference="B").summary.set_index("strategy")
    # A - B: dE = -1, dC = -200: cheaper and less effective (SW), ICER 200 (a saving per QALY)
    assert s.loc["A", "quadrant"] == "SW"
    assert s.loc["A", "icer"] == pytest.approx(200.0)
    # C - B: dE = (-1, 1, -1, 1) mean 0, dC mean 200: no ICER, dominated by the reference
    assert np.isnan(s.loc["C", "icer"])
    assert s.loc["C", "quadrant"] == "NW"


def test_eib_and_its_quantile_interval_by_hand():
    r = dk.cea.incremental(_out(), reference="A", wtp=[150.0])
    e = r.eib().set_index("strategy").loc["B"]
    # IB of B at 150: 150 dE - dC = (50, -150, 100, -200): mean -50; R type-7 quantiles of
    # the sorted (-200, -150, 50, 100) at h = 3 * 0.025 = 0.075 and 3 * 0.975 = 2.925
    assert e["eib"] == pytest.approx(-50.0)
    assert e["lower"] == pytest.approx(-200 + 0.075 * 50)
    assert e["upper"] == pytest.approx(50 + 0.925 * 50)
    assert e["prob_positive"] == pytest.approx(0.5)
    np.testing.assert_allclose(
        [e["lower"], e["upper"]], np.quantile([50, -150, 100, -200], [0.025, 0.975])
    )


def test_normal_interval_is_mean_plus_minus_z_sd():
    r = dk.cea.incremental(_out(), reference="A", wtp=150.0, interval="normal", prob=0.9)
    e = r.eib().set_index("strategy").loc["B"]
    sd = np.std([50, -150, 100, -200], ddof=1)  # by hand: sqrt(65000 / 3)
    assert sd == pytest.approx(np.sqrt(65_000 / 3))
    half = norm.ppf(0.95) * sd
    assert (e["lower"], e["upper"]) == pytest.approx((-50 - half, -50 + half))


def test_eib_matches_analyze_inb_for_the_same_reference():
    rng = np.random.default_rng(3)
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": rng.normal([0, 1000, 2500], 400, (800, 3)), "qaly": rng.normal(1, 0.1, (800, 3))},
        actions=["X", "Y", "Z"],
    )
    grid = np.arange(0, 40_001, 5_000.0)
    ce = dk.cea.analyze(out, wtp=grid, reference="Y")
    inb = ce.inb()
    eib = dk.cea.incremental(ce).eib()  # reuses the CEAResult's draws, grid and reference
    np.testing.assert_allclose(eib["eib"], inb["inb"], rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(eib["lower"], inb["lower"], rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(eib["upper"], inb["upper"], rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(eib["prob_positive"], inb["prob_positive"])


def test_default_reference_is_the_cheapest_and_frames_are_tidy():
    r = dk.cea.incremental(_out(), wtp=[0.0, 100.0])
    assert r.reference == "A" and r.comparators == ("B", "C")
    frame = r.to_frame()
    assert frame.columns.tolist() == [
        "wtp",
        "strategy",
        "reference",
        "eib",
        "lower",
        "upper",
        "prob_positive",
    ]
    assert len(frame) == 4 and len(r.ce_plane()) == 8
    assert "against 'A'" in repr(r)
    assert not r.inc_cost.flags.writeable


def test_bad_reference_lists_the_strategies():
    with pytest.raises(ValidationError, match=r"one of the strategies \['A', 'B', 'C'\]"):
        dk.cea.incremental(_out(), reference="D")


def test_other_bad_inputs():
    with pytest.raises(ValidationError, match="interval"):
        dk.cea.incremental(_out(), interval="hpd")
    with pytest.raises(ValidationError, match="OutcomeDistribution or a CEAResult"):
        dk.cea.incremental({"cost": COST})
    ce = dk.cea.analyze(_out(), wtp=[0.0])
    with pytest.raises(ValidationError, match="metrics are fixed"):
        dk.cea.incremental(ce, effect="life_years")
    bad = COST.copy()
    bad[0, 1] = np.nan
    with pytest.raises(ValidationError, match="finite"):
        dk.cea.incremental(
            dk.OutcomeDistribution.from_arrays({"cost": bad, "qaly": QALY}), wtp=[0.0]
        )


# Issue 12: errors name the public function the user called, by its public path.
@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda: dk.cea.incremental(_out(), prob=1.5),
            "The 'prob' parameter of cea.incremental must be a number > 0 and < 1.",
        ),
        (
            lambda: dk.cea.incremental(_out(), interval="hpd"),
            "The 'interval' parameter of cea.incremental must be one of 'quantile', 'normal'.",
        ),
        (
            lambda: dk.cea.incremental(_out(), reference="D"),
            "The 'reference' parameter of cea.incremental must be one of the strategies",
        ),
        (
            lambda: dk.cea.incremental(_out(), wtp=[3.0, 1.0]),
            "The 'wtp' parameter of cea.incremental must be a strictly increasing grid",
        ),
        (
            lambda: dk.cea.incremental(_out(), wtp=[0.0]).eib(wtp=-1.0),
            "The 'wtp' parameter of IncrementalResult.eib must be",
        ),
    ],
)
def test_errors_name_the_public_function(call, fragment):
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        call()
