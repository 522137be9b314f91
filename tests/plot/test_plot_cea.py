import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(0)
    cost = rng.normal([0.0, 1000.0, 4000.0], 300.0, (500, 3))
    qaly = rng.normal([1.0, 1.1, 1.2], 0.05, (500, 3))
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": cost, "qaly": qaly}, actions=["SoC", "Drug A", "Drug B"]
    )
    return dk.cea.analyze(out, wtp=np.arange(0.0, 40_001.0, 1000.0))


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_ceac_draws_one_curve_per_strategy_with_ceac_values(result):
    ax = dk.plot.ceac(result)
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["SoC", "Drug A", "Drug B"]
    np.testing.assert_allclose(lines[1].get_ydata(), result.prob_best[:, 1])


def test_ceac_frontier_overlay_follows_ceaf(result):
    ax = dk.plot.ceac(result, frontier=True)
    np.testing.assert_allclose(ax.get_lines()[-1].get_ydata(), result.ceaf()["prob_best"])


def test_axis_labels_carry_units(result):
    ax = dk.plot.evpi_curve(result, currency="£")
    assert ax.get_xlabel() == "Willingness to pay (£ per QALY)"
    assert ax.get_ylabel() == "EVPI per decision (£)"


def test_ce_plane_wtp_line_has_slope_wtp(result):
    _, ax = plt.subplots()
    assert dk.plot.ce_plane(result, wtp=20_000, ax=ax) is ax
    line = ax.get_lines()[-1]
    x, y = line.get_xdata(), line.get_ydata()
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(20_000)
    assert ax.get_xlabel() == "Incremental effect (QALYs)"


def test_ceaf_labels_optimal_strategies(result):
    ax = dk.plot.ceaf(result)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    expected = [f"{s} optimal" for s in dict.fromkeys(result.ceaf()["strategy"])]
    assert sorted(labels) == sorted(expected)


def test_icer_frontier_annotates_icers(result):
    ax = dk.plot.icer_frontier(result, currency="€")
    texts = [t.get_text() for t in ax.texts]
    icer = result.icers().set_index("strategy").loc["Drug A", "icer"]
    assert f"Drug A\nICER €{icer:,.0f}" in texts


@pytest.mark.parametrize("name", ["ce_plane", "ceac", "ceaf", "evpi_curve", "icer_frontier"])
def test_plots_reject_non_results(name):
    with pytest.raises(ValidationError, match="CEAResult"):
        getattr(dk.plot, name)({"wtp": [1]})
