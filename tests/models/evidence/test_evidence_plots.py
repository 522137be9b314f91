"""Evidence plots: forest, network and rank plots draw what the fitted model holds."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.models.evidence import NetworkMetaAnalysis, PairwiseMetaAnalysis

FAST = {"sampler_config": {"draws": 300, "tune": 300, "chains": 2, "progressbar": False}}

TABLE = pd.DataFrame(
    [
        ("S1", "A", np.nan, np.nan),
        ("S1", "B", 0.5, 0.2),
        ("S2", "A", np.nan, np.nan),
        ("S2", "C", 0.9, 0.2),
        ("S3", "B", np.nan, np.nan),
        ("S3", "C", 0.3, 0.2),
        ("S4", "A", np.nan, np.nan),
        ("S4", "B", 0.4, 0.3),
    ],
    columns=["study", "treatment", "estimate", "se"],
)


@pytest.fixture(scope="module")
def nma():
    import warnings

    with warnings.catch_warnings():  # 2 x 300 draws: ESS may be under 400 (plots only)
        warnings.simplefilter("ignore")
        return NetworkMetaAnalysis(effects="fixed", random_seed=1, **FAST).fit_contrasts(TABLE)


def test_network_plot_draws_one_line_per_compared_pair(nma):
    ax = dk.plot.network_plot(nma)
    assert len(ax.lines) == 3  # A-B (2 studies), A-C, B-C
    assert sorted(t.get_text() for t in ax.texts if t.get_text().isdigit()) == ["1", "1", "2"]
    plt.close("all")


def test_nma_forest_plot_shows_each_treatment_against_the_reference(nma):
    ax = dk.plot.forest_plot(nma, reference="B")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "C"]
    assert ax.get_title() == "versus B"
    plt.close("all")


def test_rank_plot_has_one_line_per_treatment(nma):
    ax = dk.plot.rank_plot(nma, lower_is_better=False)
    assert len(ax.get_lines()) == 3
    plt.close("all")


def test_pairwise_forest_plot_lists_studies_pooled_and_prediction():
    import warnings

    table = pd.DataFrame(
        {"study": ["a", "b", "c"], "estimate": [0.1, 0.4, 0.3], "se": [0.1, 0.2, 0.15]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # a half-normal(0.5) heterogeneity prior keeps three studies cheap to sample
        ma = PairwiseMetaAnalysis(
            effects="random",
            prior_heterogeneity="halfnormal",
            prior_heterogeneity_scale=0.5,
            random_seed=1,
            sampler_config={"draws": 300, "tune": 300, "chains": 2, "progressbar": False},
        ).fit_contrasts(table)
    ax = dk.plot.forest_plot(ma)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["a", "b", "c", "pooled (random)", "prediction (new study)"]
    plt.close("all")


def test_plots_reject_an_unfitted_model():
    with pytest.raises(ValueError, match=r"'model' parameter of plot\.network_plot"):
        dk.plot.network_plot(NetworkMetaAnalysis())
