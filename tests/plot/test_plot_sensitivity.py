import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError

BASE = {"drug_cost": 500.0, "gain": 0.05}


def model(p):
    return {
        "Old": {"cost": 100.0, "qaly": 1.0},
        "New": {"cost": p["drug_cost"], "qaly": 1.0 + p["gain"]},
    }


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_tornado_bars_span_low_and_high_outcomes():
    res = dk.sensitivity.one_way(
        model, BASE, {"drug_cost": (300.0, 900.0), "gain": (0.01, 0.1)}, wtp=20_000
    )
    ax = dk.plot.tornado(res, currency="£")
    t = res.tornado()
    # two bars per parameter, each as wide as outcome - base
    widths = sorted(p.get_width() for p in ax.patches)
    expected = sorted(np.concatenate([t.outcome_low - t.base, t.outcome_high - t.base]))
    np.testing.assert_allclose(widths, expected)
    labels = [lbl.get_text() for lbl in ax.get_yticklabels()]
    ticks = dict(zip(ax.get_yticks(), labels, strict=True))
    assert ticks[max(ticks)] == "gain"  # widest swing (1,800 vs 600) on top
    assert ax.get_xlabel() == "Net monetary benefit of New (£)"


def test_two_way_legend_lists_optimal_strategies():
    res = dk.sensitivity.two_way(
        model, BASE, "drug_cost", np.linspace(200, 2000, 5), "gain", [0.0, 0.05, 0.1], wtp=20_000
    )
    ax = dk.plot.two_way(res)
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert labels == set(res.optimal().to_numpy().ravel())
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("drug_cost", "gain")


@pytest.mark.parametrize("name", ["tornado", "two_way"])
def test_sensitivity_plots_reject_other_objects(name):
    with pytest.raises(ValidationError, match="Result"):
        getattr(dk.plot, name)(object())
