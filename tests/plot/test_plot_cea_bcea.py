"""BCEA-style CEA plots: EIB band, CEAC band, risk aversion, mixed strategy, CE contours."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError


@pytest.fixture(scope="module")
def ce():
    rng = np.random.default_rng(0)
    cost = rng.normal([0.0, 1000.0, 4000.0], 300.0, (500, 3))
    qaly = rng.normal([1.0, 1.1, 1.2], 0.05, (500, 3))
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": cost, "qaly": qaly}, actions=["SoC", "Drug A", "Drug B"]
    )
    return dk.cea.analyze(out, wtp=np.arange(0.0, 40_001.0, 1000.0))


@pytest.fixture(autouse=True)
def _close():
    plt.close("all")  # the plots draw on plt.gca(): start from no figure, whatever ran before
    yield
    plt.close("all")


def test_eib_lines_are_the_eib_and_bands_are_drawn(ce):
    inc = dk.cea.incremental(ce, reference="SoC")
    ax = dk.plot.eib(inc)
    lines = [ln for ln in ax.get_lines() if ln.get_label().endswith("vs SoC")]
    assert [ln.get_label() for ln in lines] == ["Drug A vs SoC", "Drug B vs SoC"]
    expected = inc.eib().query("strategy == 'Drug B'")["eib"].to_numpy()
    np.testing.assert_allclose(lines[1].get_ydata(), expected)
    assert len(ax.collections) == 2  # one credible band per comparator


def test_ceac_bootstrap_plots_the_ceac(ce):
    band = dk.cea.bootstrap_ceac(ce, n_boot=20, random_seed=0)
    ax = dk.plot.ceac_bootstrap(band)
    np.testing.assert_allclose(ax.get_lines()[2].get_ydata(), ce.prob_best[:, 2])
    assert len(ax.collections) == 3


def test_risk_aversion_evpi_and_eib(ce):
    ra = dk.cea.risk_aversion(ce, r=[0.0, 1e-4])
    ax = dk.plot.risk_aversion(ra)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), ce.evpi_nb, rtol=1e-9, atol=1e-8)
    ax2 = dk.plot.risk_aversion(ra, what="eib", ax=plt.figure().gca())
    assert len([ln for ln in ax2.get_lines() if "r = " in ln.get_label()]) == 4
    with pytest.raises(ValidationError, match="'what'"):
        dk.plot.risk_aversion(ra, what="ceac")


def test_mixed_strategy_plot(ce):
    mx = dk.cea.mixed_strategy(ce, shares={"Drug A": 1.0})
    ax = dk.plot.mixed_strategy(mx)
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), mx.evpi_mixed)
    assert "Drug A 100%" in ax.get_title()


def test_ce_contour_draws_contours_line_and_quadrant_shares(ce):
    inc = dk.cea.incremental(ce, reference="SoC")
    ax = dk.plot.ce_contour(inc, wtp=20_000)
    labels = [t.get_text() for t in ax.texts]
    assert "95%" in labels and "50%" in labels  # contour labels
    assert any(ln.get_label() == "wtp $20,000" for ln in ax.get_lines())
    # one comparator: the four quadrant shares are written and sum to 100%
    two = dk.cea.analyze(
        dk.OutcomeDistribution.from_arrays(
            {"cost": ce.cost[:, :2], "qaly": ce.effect[:, :2]}, actions=["SoC", "Drug A"]
        ),
        wtp=[20_000.0],
    )
    ax2 = dk.plot.ce_contour(two, ax=plt.figure().gca())
    shares = [
        float(t.get_text()[:-1])
        for t in ax2.texts
        if t.get_text().endswith("%") and "." in t.get_text()
    ]
    assert len(shares) == 4 and sum(shares) == pytest.approx(100, abs=0.3)


def test_plots_refuse_the_wrong_result(ce):
    with pytest.raises(ValidationError, match="IncrementalResult"):
        dk.plot.eib(ce)
    with pytest.raises(ValidationError, match="levels"):
        dk.plot.ce_contour(ce, levels=[1.5])
