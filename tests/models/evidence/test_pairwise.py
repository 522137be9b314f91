"""PairwiseMetaAnalysis: risk ratios, random effects, tau and the prediction interval."""

import numpy as np
import pandas as pd
import pytest

from decisionkit.models.evidence import PairwiseMetaAnalysis

FAST = {
    "sampler_config": {"draws": 1000, "tune": 1000, "chains": 2, "cores": 1, "progressbar": False}
}

TRIALS = pd.DataFrame(
    {
        "study": np.repeat(["s1", "s2", "s3", "s4", "s5"], 2),
        "treatment": ["control", "drug"] * 5,
        "events": [20, 12, 35, 30, 8, 2, 50, 25, 14, 13],
        "total": [100, 100, 150, 150, 60, 60, 200, 200, 90, 95],
    }
)


def test_fixed_effect_risk_ratio_is_the_inverse_variance_estimate():
    # Closed form: log RR_i = log(a/n1) - log(c/n0), var = 1/a - 1/n1 + 1/c - 1/n0 (Woolf),
    # pooled by inverse variance.
    r = TRIALS["events"].to_numpy().reshape(5, 2).astype(float)
    n = TRIALS["total"].to_numpy().reshape(5, 2).astype(float)
    y = np.log(r[:, 1] / n[:, 1]) - np.log(r[:, 0] / n[:, 0])
    w = 1 / (1 / r - 1 / n).sum(axis=1)
    ma = PairwiseMetaAnalysis(measure="RR", effects="fixed", random_seed=1, **FAST).fit(
        TRIALS, events="events", total="total"
    )
    pooled = ma.pooled().set_index("parameter")
    assert pooled.loc["log RR", "mean"] == pytest.approx((w @ y) / w.sum(), abs=0.01)
    assert pooled.loc["RR", "median"] == pytest.approx(np.exp((w @ y) / w.sum()), abs=0.01)
    np.testing.assert_allclose(ma.study_estimates()["estimate"], y)


@pytest.mark.slow  # random effects on binomial arms: ~40 s on a loaded 2-core machine
def test_random_effects_prediction_interval_is_wider_than_the_pooled_interval():
    config = {**FAST["sampler_config"], "target_accept": 0.95}
    ma = PairwiseMetaAnalysis(
        measure="OR", effects="random", random_seed=2, sampler_config=config
    ).fit(TRIALS, events="events", total="total")
    pooled = ma.pooled().set_index("parameter")
    lo, hi = ma.prediction_interval()
    assert lo < pooled.loc["log OR", "lower"] and hi > pooled.loc["log OR", "upper"]
    assert pooled.loc["OR", "median"] == pytest.approx(
        np.exp(pooled.loc["log OR", "median"]), rel=0.02
    )
    tau = ma.heterogeneity()
    assert tau["lower"].iloc[0] >= 0 and tau["upper"].iloc[0] <= 5  # U(0, 5) prior (TSD 2)
    assert len(ma.study_estimates()) == 5
    assert ma.fit_statistics()["n_data"] == 10
    assert "PairwiseMetaAnalysis: random effects" in repr(ma)


def test_mean_difference_from_arm_sd_and_n_is_the_inverse_variance_estimate():
    # Closed form: MD_i = m1 - m0, var_i = sd1^2/n1 + sd0^2/n0, pooled by inverse variance
    arms = pd.DataFrame(
        {
            "study": ["a", "a", "b", "b", "c", "c"],
            "treatment": ["usual", "new"] * 3,
            "mean": [10.0, 8.5, 11.0, 9.9, 9.5, 8.0],
            "sd": [3.0, 3.2, 2.5, 2.4, 4.0, 4.1],
            "n": [50, 52, 80, 78, 40, 41],
        }
    )
    m = arms["mean"].to_numpy().reshape(3, 2)
    v = (arms["sd"].to_numpy() ** 2 / arms["n"].to_numpy()).reshape(3, 2)
    y, w = m[:, 1] - m[:, 0], 1 / v.sum(axis=1)
    ma = PairwiseMetaAnalysis(measure="MD", effects="fixed", random_seed=3, **FAST).fit(
        arms, mean="mean", sd="sd", n="n"
    )
    pooled = ma.pooled().set_index("parameter").loc["effect"]
    assert pooled["mean"] == pytest.approx((w @ y) / w.sum(), abs=0.03)
    assert pooled["sd"] == pytest.approx(w.sum() ** -0.5, rel=0.1)
