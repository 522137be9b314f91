"""Plots of the PSA-metamodel sensitivity results (dk.sensitivity.one_way_psa / two_way_psa)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def psa():
    rng = np.random.default_rng(11)
    p = pd.DataFrame({"p_fail": rng.beta(40, 60, 400), "c_drug": rng.gamma(20, 50, 400)})
    qaly = np.column_stack([np.full(400, 10.0), 10.8 - 2 * p["p_fail"]])
    cost = np.column_stack([np.full(400, 1000.0), 1000 + p["c_drug"]])
    return dk.OutcomeDistribution.from_arrays(
        {"qaly": qaly, "cost": cost}, actions=["Old", "New"], inputs=p
    )


def test_tornado_of_psa_result_spans_predictions(psa):
    res = dk.sensitivity.one_way_psa(psa, 5_000)
    ax = dk.plot.tornado(res, strategy="New", reference="Old")
    t = res.tornado("New", reference="Old")
    lows = [b for b in ax.patches if b.get_facecolor()[:3] == matplotlib.colors.to_rgb("tab:blue")]
    assert len(lows) == 2
    # each "low" bar runs from the base to the outcome at the parameter's low value
    ends = sorted(b.get_x() + b.get_width() for b in lows)
    assert ends == pytest.approx(sorted(t["outcome_low"]))
    assert "New vs Old" in ax.get_xlabel()
    with pytest.raises(ValidationError, match="'reference'"):
        dk.plot.tornado(
            dk.sensitivity.one_way(
                lambda q: {"A": (q["c"], 1.0), "B": (1.0, 1.0)}, {"c": 1.0}, {"c": (0, 2)}, wtp=1
            ),
            reference="A",
        )


def test_lines_optimal_bands_and_two_way_map(psa):
    res = dk.sensitivity.one_way_psa(psa, 5_000, n_points=20)
    ax = dk.plot.one_way_lines(res, "p_fail")
    assert [ln.get_label() for ln in ax.lines] == ["Old", "New"]
    np.testing.assert_allclose(
        ax.lines[1].get_ydata(),
        res.to_frame().query("parameter == 'p_fail' and strategy == 'New'")["expected_utility"],
    )
    ax = dk.plot.one_way_optimal(res, ax=plt.figure().gca())
    # bands of each row cover the whole range [0, 1]
    widths = sum(b.get_width() for b in ax.patches)
    assert widths == pytest.approx(len(res.parameters))
    tw = dk.sensitivity.two_way_psa(psa, 5_000, "p_fail", "c_drug", n_points=15)
    ax = dk.plot.two_way(tw, ax=plt.figure().gca())
    assert ax.get_xlabel() == "p_fail" and ax.get_ylabel() == "c_drug"


@pytest.mark.parametrize("name", ["one_way_lines", "one_way_optimal"])
def test_psa_plots_reject_other_objects(name):
    with pytest.raises(ValidationError, match="OneWayPSAResult"):
        getattr(dk.plot, name)(object())
