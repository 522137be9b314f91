"""NetworkMetaAnalysis against closed forms (fixed effects with known variances)."""

import arviz as az
import numpy as np
import pandas as pd
import pytest

from decisionkit.models.evidence import NetworkMetaAnalysis, PairwiseMetaAnalysis

FAST = {
    "sampler_config": {"draws": 1000, "tune": 500, "chains": 2, "cores": 1, "progressbar": False}
}

# A three-treatment network of contrasts with known standard errors; S1 has three arms, so its
# two contrasts share the baseline arm's variance 0.15^2 (covariance of the contrasts).
CONTRASTS = pd.DataFrame(
    [
        ("S1", "A", np.nan, 0.15),
        ("S1", "B", 0.5, 0.2),
        ("S1", "C", 0.9, 0.25),
        ("S2", "A", np.nan, np.nan),
        ("S2", "B", 0.4, 0.15),
        ("S3", "B", np.nan, np.nan),
        ("S3", "C", 0.3, 0.2),
        ("S4", "A", np.nan, np.nan),
        ("S4", "C", 1.0, 0.3),
    ],
    columns=["study", "treatment", "estimate", "se"],
)


def _gls(prior_sd=100.0):
    """Closed form: the posterior of (d_B, d_C) under d ~ N(0, prior_sd^2 I) is normal with
    precision X' S^-1 X + I/prior_sd^2 (generalised least squares with a conjugate prior)."""
    y = np.array([0.5, 0.9, 0.4, 0.3, 1.0])
    x = np.array([[1, 0], [0, 1], [1, 0], [-1, 1], [0, 1]], dtype=float)
    s = np.diag([0.2**2, 0.25**2, 0.15**2, 0.2**2, 0.3**2])
    s[:2, :2] += 0.15**2
    si = np.linalg.inv(s)
    cov = np.linalg.inv(x.T @ si @ x + np.eye(2) / prior_sd**2)
    return cov @ x.T @ si @ y, cov


def _mcse(idata, name):
    return az.mcse(idata, var_names=[name])[name].values


@pytest.fixture(scope="module")
def gls_fit():
    return NetworkMetaAnalysis(effects="fixed", random_seed=5, **FAST).fit_contrasts(CONTRASTS)


def test_fixed_effect_posterior_mean_is_the_weighted_least_squares_estimate(gls_fit):
    mean, cov = _gls()
    d = gls_fit.relative_effects()
    np.testing.assert_allclose(d["mean"], mean, atol=float(4 * _mcse(gls_fit.idata_, "d").max()))
    np.testing.assert_allclose(d["sd"], np.sqrt(np.diag(cov)), rtol=0.08)


def test_pairwise_fixed_effect_is_the_inverse_variance_weighted_mean():
    # Inverse-variance pooling (closed form): sum(w y) / sum(w), w = 1/se^2, sd = sum(w)^-1/2.
    y, se = np.array([0.2, 0.5, -0.1, 0.35]), np.array([0.1, 0.2, 0.15, 0.3])
    w = 1 / se**2
    table = pd.DataFrame({"study": list("abcd"), "estimate": y, "se": se})
    ma = PairwiseMetaAnalysis(effects="fixed", random_seed=2, **FAST).fit_contrasts(table)
    pooled = ma.pooled().set_index("parameter").loc["effect"]
    assert abs(pooled["mean"] - (w @ y) / w.sum()) < 4 * _mcse(ma.idata_, "d")[0]
    assert pooled["sd"] == pytest.approx(w.sum() ** -0.5, rel=0.08)
    pd.testing.assert_frame_equal(
        ma.study_estimates()[["estimate", "se"]], table[["estimate", "se"]]
    )


def test_two_study_two_treatment_network_equals_pairwise_meta_analysis():
    # Arm-level normal data (study baselines free) against the pairwise analysis of the
    # differences: same posterior of d, both the inverse-variance estimate (closed form).
    arms = pd.DataFrame(
        {
            "study": ["s1", "s1", "s2", "s2"],
            "treatment": ["P", "Q"] * 2,
            "mean": [1.0, 1.6, 2.0, 2.3],
            "se": [0.2, 0.25, 0.1, 0.12],
        }
    )
    nma = NetworkMetaAnalysis(effects="fixed", random_seed=3, **FAST).fit(
        arms, mean="mean", se="se"
    )
    diff = np.array([0.6, 0.3])
    var = np.array([0.2**2 + 0.25**2, 0.1**2 + 0.12**2])
    table = pd.DataFrame({"study": ["s1", "s2"], "estimate": diff, "se": np.sqrt(var)})
    ma = PairwiseMetaAnalysis(effects="fixed", random_seed=4, **FAST).fit_contrasts(table)
    iv = (diff / var).sum() / (1 / var).sum()
    a = nma.relative_effects().iloc[0]
    b = ma.pooled().iloc[0]
    tol = 4 * max(_mcse(nma.idata_, "d")[0], _mcse(ma.idata_, "d")[0])
    assert abs(a["mean"] - iv) < tol and abs(b["mean"] - iv) < tol
    assert a["sd"] == pytest.approx(b["sd"], rel=0.1)
    # TSD 2: with fixed effects and vague priors pD is the number of parameters (2 mu + 1 d),
    # and the posterior mean residual deviance is the minimum (weighted RSS) plus pD.
    stats = nma.fit_statistics()
    rss = ((diff - iv) ** 2 / var).sum()
    assert stats["pD"] == pytest.approx(3.0, abs=0.3)
    assert stats["resdev"] == pytest.approx(rss + 3.0, abs=0.4)
    assert stats["n_data"] == 4


def test_relative_effects_league_table_and_ranks_agree(gls_fit):
    d = gls_fit.relative_effect_draws()
    vs_b = gls_fit.relative_effects(reference="B").set_index("treatment")
    assert vs_b.loc["C", "mean"] == pytest.approx(
        float((d.sel(treatment="C") - d.sel(treatment="B")).mean())
    )
    table = gls_fit.league_table()
    assert table.loc["C", "C"] == "C"
    assert table.loc["C", "A"].startswith(f"{float(d.sel(treatment='C').mean()):.2f}")
    probs = gls_fit.rank_probabilities(lower_is_better=False)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    # SUCRA = mean of the cumulative rank probabilities over ranks 1..K-1 (Salanti 2011)
    sucra = gls_fit.sucra(lower_is_better=False)
    np.testing.assert_allclose(sucra, probs.cumsum(axis=1).iloc[:, :-1].mean(axis=1))
    assert sucra.idxmax() == "C" and sucra.idxmin() == "A"
    flipped = gls_fit.sucra(lower_is_better=True)
    np.testing.assert_allclose(flipped, 1 - sucra)


def test_updated_adds_a_study_and_matches_the_closed_form(gls_fit):
    new = pd.DataFrame(
        {
            "study": ["S5", "S5"],
            "treatment": ["A", "B"],
            "estimate": [np.nan, 0.45],
            "se": [np.nan, 0.1],
        }
    )
    upd = gls_fit.updated(new)
    assert upd.network_.n_studies == 5 and gls_fit.network_.n_studies == 4
    # closed form with the extra row: add precision 1/0.1^2 on d_B
    _, cov = _gls()
    prec = np.linalg.inv(cov)
    mean_old, _ = _gls()
    prec_new = prec + np.diag([1 / 0.1**2, 0.0])
    mean_new = np.linalg.solve(prec_new, prec @ mean_old + np.array([0.45 / 0.1**2, 0.0]))
    got = upd.relative_effects()["mean"].to_numpy()
    np.testing.assert_allclose(got, mean_new, atol=float(4 * _mcse(upd.idata_, "d").max()))
    with pytest.raises(ValueError, match="new studies only"):
        gls_fit.updated(new.assign(study="S1"))


def test_exponentiated_effects_summarise_the_ratio_draws(gls_fit):
    # quantiles commute with exp (monotone) up to the linear interpolation between two adjacent
    # order statistics, which exp bends slightly (~1e-8 here); the mean is of the ratio draws
    log = gls_fit.relative_effects()
    ratio = gls_fit.relative_effects(exponentiate=True)
    np.testing.assert_allclose(ratio["median"], np.exp(log["median"]), rtol=1e-6)
    np.testing.assert_allclose(ratio["lower"], np.exp(log["lower"]), rtol=1e-6)
    d = gls_fit.relative_effect_draws()
    expected = float(np.exp(d.sel(treatment=ratio["treatment"][0]) - d.sel(treatment="A")).mean())
    assert ratio["mean"].iloc[0] == pytest.approx(expected)
