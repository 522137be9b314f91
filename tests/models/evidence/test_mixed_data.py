"""Arm-level and contrast-level studies in one network (TSD 2's combined likelihood)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ConvergenceWarning, ValidationError
from decisionkit.models.evidence import NetworkMetaAnalysis, PairwiseMetaAnalysis


def _as_contrast(r0, n0, r1, n1):
    """A two-arm study's log odds ratio and its delta-method standard error (Woolf 1955)."""
    est = np.log(r1 / (n1 - r1)) - np.log(r0 / (n0 - r0))
    return est, np.sqrt(1 / r0 + 1 / (n0 - r0) + 1 / r1 + 1 / (n1 - r1))


T2_EST, T2_SE = _as_contrast(40, 250, 22, 240)
D_EST, D_SE = 0.35, 0.25  # T4: the only study of D, reported as B vs D
CONTRASTS = pd.DataFrame(
    [
        ("T2", "A", np.nan, np.nan),
        ("T2", "C", T2_EST, T2_SE),
        ("T4", "B", np.nan, np.nan),
        ("T4", "D", D_EST, D_SE),
    ],
    columns=["study", "treatment", "estimate", "se"],
)


@pytest.fixture(scope="module")
def all_arms(abc_fixed_nma):
    return abc_fixed_nma


@pytest.fixture(scope="module")
def arms(abc_trials):
    """The trials without T2, which the contrast table reports instead."""
    return abc_trials[abc_trials["study"] != "T2"]


@pytest.fixture(scope="module")
def mixed(arms, fast):
    return NetworkMetaAnalysis(effects="fixed", random_seed=8, **fast).fit(
        arms, events="events", total="total", contrasts=CONTRASTS
    )


def test_contrasts_equal_to_the_arm_data_reproduce_the_all_arm_fit(all_arms, mixed):
    # T2 given as its own log odds ratio with the delta-method SE instead of its arms: the
    # normal approximation of the binomial likelihood, so the posteriors agree closely
    ref = all_arms.relative_effects().set_index("treatment")
    got = mixed.relative_effects().set_index("treatment")
    for t in ("B", "C"):
        assert got.loc[t, "mean"] == pytest.approx(ref.loc[t, "mean"], abs=0.03)
        assert got.loc[t, "sd"] == pytest.approx(ref.loc[t, "sd"], rel=0.1)


def test_a_treatment_linked_only_by_a_contrast_study_joins_the_network(mixed):
    # D is in one contrast study (B vs D): with a vague prior, d_D - d_B has the study's
    # estimate as posterior mean and its SE as posterior sd (one normal observation)
    draws = mixed.relative_effect_draws()
    diff = (draws.sel(treatment="D") - draws.sel(treatment="B")).values
    assert list(mixed.network_.treatments) == ["A", "B", "C", "D"]
    assert diff.mean() == pytest.approx(D_EST, abs=0.03)
    assert diff.std() == pytest.approx(D_SE, rel=0.1)
    edges = mixed.network_.edges()
    assert ((edges["treatment_a"] == "B") & (edges["treatment_b"] == "D")).any()


def test_fit_statistics_count_arms_and_contrasts(mixed):
    contributions = mixed.deviance_contributions()
    assert len(contributions) == 5 + 2  # five arms (T1, T3) and two contrasts (T2, T4)
    assert set(contributions["study"]) == {"T1", "T2", "T3", "T4"}
    assert "contrast-level" in repr(mixed)


@pytest.mark.slow  # a third PyMC fit; ~10 s of CPU, far more wall time on a loaded machine
def test_random_effects_share_the_between_study_sd(arms, fast):
    config = {"sampler_config": fast["sampler_config"] | {"draws": 300}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 2 x 300 draws: a smoke run
        fit = NetworkMetaAnalysis(effects="random", random_seed=2, **config).fit(
            arms, events="events", total="total", contrasts=CONTRASTS
        )
    post = fit.idata_["posterior"]
    assert post["z_contrast"].shape[-1] == 2 and post["sd"].size == 600
    assert fit.heterogeneity()["mean"].iloc[0] > 0


@pytest.mark.parametrize(
    ("contrasts", "fragment"),
    [
        (CONTRASTS.assign(study=CONTRASTS["study"].replace("T4", "T1")), "'T1' is in both"),
        (
            pd.DataFrame(
                [("X1", "E", np.nan, np.nan), ("X1", "F", 0.1, 0.2)],
                columns=["study", "treatment", "estimate", "se"],
            ),
            "not connected",
        ),
        (CONTRASTS.drop(columns="se"), "no column 'se'"),
    ],
)
def test_bad_mixed_tables_name_the_study(arms, contrasts, fragment):
    with pytest.raises(ValidationError, match=fragment):
        NetworkMetaAnalysis(effects="fixed").fit(
            arms, events="events", total="total", contrasts=contrasts
        )


def test_single_layout_methods_refuse_mixed_networks(mixed, abc_trials):
    with pytest.raises(ValidationError, match="mixes arm-level and contrast-level"):
        mixed.loo()
    with pytest.raises(ValidationError, match="mixes arm-level and contrast-level"):
        mixed.node_split()
    with pytest.raises(ValidationError, match="pairwise meta-analysis reads one layout"):
        PairwiseMetaAnalysis(effects="fixed").fit(
            abc_trials[abc_trials["study"] == "T1"],
            events="events",
            total="total",
            contrasts=CONTRASTS[:2],
        )
