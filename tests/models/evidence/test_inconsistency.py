"""Node splitting and unrelated mean effects against closed forms (fixed effects, known SEs)."""

import numpy as np
import pandas as pd
import pytest

from decisionkit.models.evidence import NetworkMetaAnalysis

FAST = {
    "sampler_config": {"draws": 1000, "tune": 500, "chains": 2, "cores": 1, "progressbar": False}
}

# A triangle with one study per comparison, deliberately inconsistent:
# B-A = 1, C-A = 2 but C-B = 3 (consistency would need C-B = 1).
TRIANGLE = pd.DataFrame(
    [
        ("AB", "A", np.nan, np.nan),
        ("AB", "B", 1.0, 0.1),
        ("AC", "A", np.nan, np.nan),
        ("AC", "C", 2.0, 0.1),
        ("BC", "B", np.nan, np.nan),
        ("BC", "C", 3.0, 0.1),
    ],
    columns=["study", "treatment", "estimate", "se"],
)


@pytest.fixture(scope="module")
def nma():
    return NetworkMetaAnalysis(effects="fixed", random_seed=9, **FAST).fit_contrasts(TRIANGLE)


def test_node_split_separates_direct_and_indirect_evidence(nma):
    res = nma.node_split([("C", "B")])
    row = res.summary.iloc[0]
    assert row["comparison"] == "C vs B"
    # closed form: direct = the BC study (3.0, se 0.1); indirect = AC - AB = 1.0 (se 0.14)
    assert row["direct_mean"] == pytest.approx(3.0, abs=0.03)
    assert row["indirect_mean"] == pytest.approx(1.0, abs=0.03)
    assert row["difference_mean"] == pytest.approx(2.0, abs=0.05)
    assert row["p_value"] < 0.01
    assert list(res.fit.index) == ["consistency", "split C vs B"]


def test_unrelated_mean_effects_fit_each_comparison_on_its_own(nma):
    res = nma.unrelated_mean_effects()
    ume = res.summary.set_index("comparison")["ume_mean"]
    # closed form: one study per comparison, so each UME effect is that study's estimate
    np.testing.assert_allclose(ume[["B vs A", "C vs A", "C vs B"]], [1.0, 2.0, 3.0], atol=0.03)
    # consistency forces C-B = C-A - (B-A): its weighted least squares fit leaves a residual
    # deviance of (3 - 1)^2 / (3 * 0.1^2) = 133.3 that UME does not have (closed form)
    fit = res.fit
    assert fit.loc["consistency", "resdev"] == pytest.approx(133.3 + 2, abs=1.0)
    assert fit.loc["unrelated mean effects", "DIC"] < fit.loc["consistency", "DIC"] - 100
    assert {"consistency", "ume"} <= set(res.deviance.columns)


def test_node_split_rejects_comparisons_without_a_loop(nma):
    with pytest.raises(ValueError, match="'comparisons' parameter"):
        nma.node_split([("A", "Z")])
