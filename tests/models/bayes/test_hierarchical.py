"""Tests for HierarchicalRates (PyMC partial pooling of binomial rates)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import expit

import decisionkit as dk
from decisionkit.exceptions import ConvergenceWarning, NotFittedError, ValidationError
from decisionkit.models.bayes.hierarchical import HierarchicalRates

# Six hospitals: raw rates 0.02 ... 0.20, sizes 40 ... 800 (small ones extreme, so shrinkage shows)
EVENTS = np.array([8, 1, 30, 12, 40, 9])
TRIALS = np.array([40, 50, 400, 150, 800, 60])
GROUPS = ["A", "B", "C", "D", "E", "F"]
FAST = {"draws": 1000, "tune": 1000, "chains": 2, "cores": 1, "progressbar": False}


@pytest.fixture(scope="module")
def fitted():
    df = pd.DataFrame({"group": GROUPS, "events": EVENTS, "n": TRIALS})
    # tau (between-group sd) mixes slowly: 2 x 2000 draws keep its bulk ESS above 400
    return HierarchicalRates(random_seed=11, **{**FAST, "draws": 2000}).fit(df)


@pytest.fixture(scope="module")
def pooled_fit():
    # Complete pooling forced by a tiny between-group sd; many trials so the likelihood dominates.
    events = np.array([50, 80, 60, 100, 70, 90])
    n = np.array([500, 700, 600, 800, 550, 850])
    model = HierarchicalRates(prior_tau_sd=1e-3, random_seed=3, **FAST).fit(events=events, n=n)
    return model, events, n


def _exact_pooled_posterior(e: int, n: int, mu_sd: float) -> tuple[float, float]:
    """Mean and sd of p = expit(mu) under mu ~ N(0, mu_sd), sum e ~ Bin(sum n, p), by quadrature."""
    mu = np.linspace(-8, 8, 200_001)
    p = expit(mu)
    logpost = stats.norm.logpdf(mu, 0, mu_sd) + e * np.log(p) + (n - e) * np.log1p(-p)
    w = np.exp(logpost - logpost.max())
    w /= w.sum()
    mean = float(np.sum(w * p))
    return mean, float(np.sqrt(np.sum(w * (p - mean) ** 2)))


def test_tight_group_prior_matches_exact_pooled_posterior(pooled_fit):
    # Closed form by 1-D quadrature of the same pooled model (prior N(0, 1.5) on logit p).
    # With tau ~ HalfNormal(1e-3) every group rate equals expit(mu) up to ~1e-4. ESS >= 400 (no
    # ConvergenceWarning) gives MCSE <= sd/20, so 0.15 sd is a 3-MCSE tolerance.
    model, e, n = pooled_fit
    mean, sd = _exact_pooled_posterior(e.sum(), n.sum(), 1.5)
    rates = model.group_rates().values
    assert np.all(np.abs(rates.mean(axis=0) - mean) < 0.15 * sd)
    assert np.all(np.abs(rates.std(axis=0) / sd - 1) < 0.1)


def test_tight_group_prior_agrees_with_pooled_beta_binomial(pooled_fit):
    # Pooled BetaBinomial: Beta(1 + sum events, 1 + sum non-events) has a uniform prior on p,
    # i.e. a standard logistic prior on logit p, not our N(0, 1.5). With 4000 trials the prior
    # matters little: first check that claim (exact posteriors differ by < 0.05 sd), then that
    # the MCMC draws agree with the Beta within 0.2 sd (mean) and 10% (sd).
    model, e, n = pooled_fit
    beta = stats.beta(1 + e.sum(), 1 + (n - e).sum())
    exact_mean, _ = _exact_pooled_posterior(e.sum(), n.sum(), 1.5)
    assert abs(exact_mean - beta.mean()) < 0.05 * beta.std()
    rates = model.group_rates().values
    assert np.all(np.abs(rates.mean(axis=0) - beta.mean()) < 0.2 * beta.std())
    assert np.all(np.abs(rates.std(axis=0) / beta.std() - 1) < 0.1)


def test_posterior_mean_lies_between_raw_and_pooled_rate(fitted):
    # Partial pooling (BDA3 ch. 5): each estimate moves from its raw rate towards the pool.
    s = fitted.summary()
    pooled = float(fitted.pooled_rate().mean())
    lo = np.minimum(s["raw_rate"], pooled)
    hi = np.maximum(s["raw_rate"], pooled)
    assert np.all((s["mean"] >= lo) & (s["mean"] <= hi))


def test_small_extreme_group_shrinks_more_than_large_group(fitted):
    # A (8/40 = 0.20, small) vs E (40/800 = 0.05, large): shrinkage relative to distance from pool
    s = fitted.summary().set_index("group")
    pooled = float(fitted.pooled_rate().mean())
    rel = s["shrinkage"].abs() / (s["raw_rate"] - pooled).abs()
    assert rel["A"] > rel["E"]


def test_summary_columns_and_raw_rates(fitted):
    s = fitted.summary(prob=0.9)
    assert list(s.columns) == [
        "group", "events", "n", "raw_rate", "mean", "sd", "lower", "upper", "shrinkage",
        "r_hat", "ess_bulk",
    ]  # fmt: skip
    np.testing.assert_allclose(s["raw_rate"], EVENTS / TRIALS)
    np.testing.assert_allclose(s["shrinkage"], s["mean"] - s["raw_rate"])
    assert np.all((s["lower"] < s["mean"]) & (s["mean"] < s["upper"]))


def test_idata_has_posterior_and_posterior_predictive(fitted):
    idata = fitted.idata_
    assert {"posterior", "posterior_predictive", "observed_data"} <= set(idata.children)
    assert idata["posterior_predictive"]["events"].sizes["group"] == 6


def test_group_rates_dims_and_labels(fitted):
    rates = fitted.group_rates()
    assert rates.dims == ("draw", "group")
    assert rates.sizes["draw"] == 2 * 2000
    assert list(rates["group"].values) == GROUPS


def test_predictive_events_mean_matches_rate_times_n(fitted):
    # E[y_new] = n_new * E[theta] (binomial mean); MC tolerance 4 sd / sqrt(draws)
    ynew = fitted.predictive_events(100, random_seed=0)
    expected = 100 * fitted.group_rates().mean("draw").values
    sd = ynew.std("draw").values
    assert ynew.dims == ("draw", "group")
    assert np.all(np.abs(ynew.mean("draw").values - expected) < 4 * sd / np.sqrt(4000))


def test_predictive_events_same_seed_same_counts(fitted):
    a = fitted.predictive_events([10, 20, 30, 40, 50, 60], random_seed=5)
    b = fitted.predictive_events([10, 20, 30, 40, 50, 60], random_seed=5)
    np.testing.assert_array_equal(a.values, b.values)


def test_same_seed_gives_identical_draws():
    kw = dict(random_seed=4, draws=200, tune=200, chains=1, progressbar=False)
    with pytest.warns(ConvergenceWarning):
        a = HierarchicalRates(**kw).fit(events=EVENTS, n=TRIALS)
    with pytest.warns(ConvergenceWarning):
        b = HierarchicalRates(**kw).fit(events=EVENTS, n=TRIALS)
    np.testing.assert_array_equal(a.group_rates().values, b.group_rates().values)


def test_too_few_draws_warns_convergence():
    with pytest.warns(ConvergenceWarning, match="bulk ESS"):
        HierarchicalRates(random_seed=1, draws=10, tune=10, chains=1, progressbar=False).fit(
            events=EVENTS, n=TRIALS
        )


def test_decide_refers_to_hospital_with_lowest_death_rate(fitted):
    # Survival = 1 - rate; E (0.05 on 800) and C (0.075 on 400) have the lowest rates, B (1/50)
    # is low but small and shrunk up. dk.decide must rank by posterior mean survival.
    out = fitted.to_outcomes(metric="survival")
    dec = dk.decide(out, dk.utility.linear({"survival": 1.0}))
    expected_best = GROUPS[int(np.argmax(1 - fitted.group_rates().mean("draw").values))]
    assert dec.best == expected_best
    assert dec.table["prob_best"].sum() == pytest.approx(1.0)


def test_to_outcomes_event_rate_equals_group_rates(fitted):
    out = fitted.to_outcomes()
    assert out.actions == GROUPS
    np.testing.assert_array_equal(out["event_rate"].values, fitted.group_rates().values)


def test_unfitted_model_raises_not_fitted():
    with pytest.raises(NotFittedError, match="call fit"):
        HierarchicalRates().group_rates()


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"events": [1, np.nan], "n": [10, 10]}, ValidationError, "NaN"),
        ({"events": [1, -2], "n": [10, 10]}, ValidationError, "non-negative whole numbers"),
        ({"events": [1, 2.5], "n": [10, 10]}, ValidationError, "row 1"),
        ({"events": [1, 12], "n": [10, 10]}, ValidationError, "swapped"),
        ({"events": [1, 2], "n": [10, 0]}, ValidationError, "at least 1"),
        ({"events": [1, 2, 3], "n": [10, 10]}, ValidationError, "3 values but n has 2"),
        ({"events": [1], "n": [10]}, ValidationError, "at least 2 groups"),
        ({"events": [1, 2], "n": [10, 10], "groups": ["a", "a"]}, ValidationError, "unique"),
        ({"events": ["a", "b"], "n": [10, 10]}, ValidationError, "pd.to_numeric"),
    ],
)
def test_bad_arrays_raise(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        HierarchicalRates().fit(**kwargs)


def test_missing_column_names_the_columns():
    df = pd.DataFrame({"hospital": ["a", "b"], "deaths": [1, 2], "n": [10, 10]})
    with pytest.raises(ValidationError, match=r"\['events', 'group'\] not found"):
        HierarchicalRates().fit(df)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"prior_tau_sd": 0}, "prior_tau_sd"),
        ({"prior_mu_sd": -1}, "prior_mu_sd"),
        ({"draws": 0}, "draws"),
        ({"chains": 1.5}, "chains"),
        ({"random_seed": "x"}, "random_seed"),
        ({"progressbar": "yes"}, "progressbar"),
    ],
)
def test_bad_settings_raise_at_fit(kwargs, fragment):
    with pytest.raises(ValidationError, match=fragment):
        HierarchicalRates(**kwargs).fit(events=EVENTS, n=TRIALS)
