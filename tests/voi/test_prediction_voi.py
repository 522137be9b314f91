"""Value of information for risk prediction models: closed forms, properties, bad input."""

import numpy as np
import pytest
from scipy.stats import norm

import decisionkit as dk
from decisionkit.exceptions import ValidationError


def _sample(n=400, seed=0):
    rng = np.random.default_rng(seed)
    risk = rng.beta(2, 6, n)
    y = rng.binomial(1, risk)
    return y, risk


@pytest.mark.parametrize(("mu", "s"), [(0.01, 0.02), (-0.005, 0.01), (0.0, 0.03)])
def test_evpi_matches_the_normal_closed_form(mu, s):
    # closed form: the model's net benefit over the best default (treat none, NB 0; treat all
    # far below) is X ~ N(mu, s^2), so EVPI = E[max(0, X)] - max(0, mu)
    # = s phi(mu/s) + mu Phi(mu/s) - max(0, mu)
    x = np.random.default_rng(7).normal(mu, s, 40_000)
    res = dk.voi.prediction_voi_from_draws(x, np.full(x.size, -1.0), thresholds=0.2)
    closed = s * norm.pdf(mu / s) + mu * norm.cdf(mu / s) - max(0.0, mu)
    row = res.table.iloc[0]
    assert abs(row["evpi"] - closed) < 4 * row["evpi_se"]
    assert row["evpi_se"] > 0


def test_evpi_per_threshold_columns_are_independent_closed_forms():
    # same closed form, one column per threshold with different (mu, s)
    rng = np.random.default_rng(3)
    mus, sds = np.array([0.02, 0.0, -0.01]), np.array([0.01, 0.02, 0.02])
    x = rng.normal(mus, sds, (30_000, 3))
    res = dk.voi.prediction_voi_from_draws(x, np.full_like(x, -1.0), thresholds=[0.1, 0.2, 0.3])
    closed = sds * norm.pdf(mus / sds) + mus * norm.cdf(mus / sds) - np.maximum(0, mus)
    t = res.table
    assert np.all(np.abs(t["evpi"] - closed) < 4 * t["evpi_se"])
    assert t["best"].iloc[0] == "Model" and t["best"].iloc[2] == "Treat none"


def test_expected_net_benefits_match_the_decision_curve():
    # under the Bayesian bootstrap E[weights] = 1/n, so expected NB = the sample NB of
    # dk.threshold.decision_curve (same treat-if-risk>=z rule), up to Monte-Carlo error
    y, risk = _sample()
    thr = [0.1, 0.2, 0.3]
    res = dk.voi.prediction_voi(y, risk, thresholds=thr, n_draws=4000, random_seed=1)
    dc = dk.threshold.decision_curve(y, {"Model": risk}, thresholds=thr).to_frame()
    for strategy, col in [("Model", "nb_model"), ("Treat all", "nb_treat_all")]:
        ref = dc[dc["model"] == strategy].sort_values("threshold")["net_benefit"].to_numpy()
        # sd of a bootstrap NB is about sqrt(var/n) < 0.05; MC error of its mean < 0.05/sqrt(4000)
        np.testing.assert_allclose(res.table[col], ref, atol=4 * 0.05 / np.sqrt(4000))


def test_evsi_is_below_evpi_rises_with_n_and_tends_to_evpi():
    y, risk = _sample(seed=2)
    sizes = [50, 500, 5000, 10**7]
    res = dk.voi.prediction_voi(
        y, risk, thresholds=[0.05, 0.1, 0.4], sample_sizes=sizes, random_seed=3
    )
    ev = res.evsi
    assert np.all(ev["evsi"] <= ev["evpi"] + 1e-15)
    for _, g in ev.groupby("threshold"):
        v = g.sort_values("n")
        # non-decreasing in n within Monte-Carlo error
        assert np.all(np.diff(v["evsi"]) >= -3 * v["evsi_se"].to_numpy()[1:])
        # an infinitely large study resolves the population: EVSI -> EVPI
        last = v.iloc[-1]
        assert abs(last["evsi"] - last["evpi"]) <= 0.05 * last["evpi"] + 1e-9
    assert res.table["evpi"].max() > 0


def test_same_seed_same_numbers_and_bootstrap_method():
    y, risk = _sample(n=200)
    a = dk.voi.prediction_voi(y, risk, thresholds=[0.2], random_seed=5, method="bootstrap")
    b = dk.voi.prediction_voi(y, risk, thresholds=[0.2], random_seed=5, method="bootstrap")
    assert a.table.equals(b.table)
    assert a.method == "bootstrap" and a.evsi is None


def test_result_reports_usefulness_and_flags_noise():
    y, risk = _sample()
    res = dk.voi.prediction_voi(
        y, risk, thresholds=np.arange(0.05, 0.5, 0.05), sample_sizes=[200], random_seed=1
    )
    assert set(res.useful_thresholds) <= set(res.thresholds)
    assert "true positives per 10,000 patients" in res.conclusion()
    tidy = res.to_frame()
    assert set(tidy["strategy"]) == {"Treat none", "Treat all", "Model"}
    assert len(tidy) == 3 * res.thresholds.size
    assert "PredictionVOIResult" in repr(res)
    # the flag marks every estimate whose standard error exceeds it, and only those
    t = res.table
    np.testing.assert_array_equal(t["flag"] != "", t["evpi_se"] > t["evpi"])


def test_flags_an_estimate_smaller_than_its_standard_error():
    # a model that is almost never best: EVPI is a few draws' regret, its se exceeds it
    rng = np.random.default_rng(0)
    x = rng.normal(-0.05, 0.01, 2000)
    res = dk.voi.prediction_voi_from_draws(x, np.full(x.size, -1.0), thresholds=0.5)
    row = res.table.iloc[0]
    assert row["evpi"] >= 0
    if row["evpi"] > 0:
        assert row["flag"] == "se > estimate"


y0, r0 = _sample(n=50)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"thresholds": 0.0}, "'thresholds' parameter of voi.prediction_voi"),
        ({"thresholds": 1.0}, "strictly between 0 and 1"),
        ({"thresholds": [0.2, -0.1]}, "strictly between 0 and 1"),
        ({"thresholds": [0.3, 0.2]}, "increasing"),
        ({"thresholds": 0.2, "risk": r0 * 3}, "'risk' parameter of voi.prediction_voi"),
        ({"thresholds": 0.2, "risk": r0[:-1]}, "one predicted risk per outcome"),
        ({"thresholds": 0.2, "y": y0 * 2}, "'y' parameter of voi.prediction_voi"),
        ({"thresholds": 0.2, "sample_sizes": [0, 10]}, "positive integers"),
        ({"thresholds": 0.2, "sample_sizes": 2.5}, "positive integers"),
        ({"thresholds": 0.2, "n_draws": 10}, "'n_draws' parameter of voi.prediction_voi"),
        ({"thresholds": 0.2, "method": "jackknife"}, "'method' parameter"),
        (
            {"thresholds": 0.2, "method": "bootstrap", "sample_sizes": 10},
            "method='bayesian_bootstrap'",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, fragment):
    args = {"y": y0, "risk": r0, **kwargs}
    with pytest.raises(ValidationError, match=fragment.replace("(", r"\(").replace("[", r"\[")):
        dk.voi.prediction_voi(args.pop("y"), args.pop("risk"), **args)


def test_bad_draws_are_refused():
    x = np.zeros((10, 2))
    with pytest.raises(ValidationError, match="prediction_voi_from_draws"):
        dk.voi.prediction_voi_from_draws(x, x, thresholds=[0.2])
    with pytest.raises(ValidationError, match="same shape"):
        dk.voi.prediction_voi_from_draws(x, x[:5], thresholds=[0.1, 0.2])
    with pytest.raises(ValidationError, match="strictly between 0 and 1"):
        dk.voi.prediction_voi_from_draws(x[:, 0], x[:, 0], thresholds=1.2)


def test_plot_draws_the_evpi_over_the_decision_curve():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y, risk = _sample()
    thr = [0.1, 0.2, 0.3]
    res = dk.voi.prediction_voi(y, risk, thresholds=thr, sample_sizes=[100], random_seed=1)
    dc = dk.threshold.decision_curve(y, {"Model": risk}, thresholds=thr)
    for curve in (None, dc):
        ax = dk.plot.prediction_voi(res, curve=curve, per=1000)
        twin = next(a for a in ax.figure.axes if a is not ax)
        evpi_line = next(ln for ln in twin.get_lines() if ln.get_label() == "EVPI")
        np.testing.assert_allclose(evpi_line.get_ydata(), res.table["evpi"] * 1000)
        assert any(ln.get_label() == "EVSI, n = 100" for ln in twin.get_lines())
        plt.close(ax.figure)
    with pytest.raises(ValidationError, match=r"plot\.prediction_voi"):
        dk.plot.prediction_voi(dc)


def test_development_evpi_matches_the_normal_closed_form():
    # closed form: every patient has the same true risk p ~ N(0.2, 0.03^2) and z = 0.22; the
    # point prediction 0.2 < z treats no one, perfect information treats everyone when p > z,
    # so EVPI = E[max(0, X)] - max(0, E X) with X = (p - z) / (1 - z) ~ N(m, sd^2)
    z, mu, s = 0.22, 0.2, 0.03
    p = np.random.default_rng(4).normal(mu, s, 40_000)
    draws = np.repeat(p[:, None], 5, axis=1)
    res = dk.voi.prediction_voi_development(draws, thresholds=z)
    m, sd = (mu - z) / (1 - z), s / (1 - z)
    closed = sd * norm.pdf(m / sd) + m * norm.cdf(m / sd) - max(0.0, m)
    row = res.table.iloc[0]
    assert abs(row["evpi"] - closed) < 4 * row["evpi_se"]
    assert row["best"] == "Treat none"


def test_development_evpi_is_at_least_the_value_of_choosing_among_the_three():
    # perfect risks dominate every strategy draw by draw, so the development EVPI is at least
    # the EVPI of choosing among treat none / treat all / the model
    rng = np.random.default_rng(5)
    logit = rng.normal(-1.5, 1.0, 300)[None, :] + rng.normal(0, 0.4, (1500, 300))
    draws = 1 / (1 + np.exp(-logit))
    thr = [0.1, 0.2, 0.3]
    dev = dk.voi.prediction_voi_development(draws, thresholds=thr)
    t = dev.table
    # net benefits per draw by hand: t_si = (p_si - z) / (1 - z), model treats mean risk >= z
    z = np.array(thr)
    term = (draws[:, :, None] - z) / (1 - z)  # (draw, patient, threshold)
    treated = draws.mean(axis=0)[:, None] >= z
    nb_all, nb_model = term.mean(axis=1), (term * treated).mean(axis=1)
    np.testing.assert_allclose(t["nb_treat_all"], nb_all.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(t["nb_model"], nb_model.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(t["expected_max"], np.maximum(term, 0).mean(axis=1).mean(axis=0))
    three = dk.voi.prediction_voi_from_draws(nb_model, nb_all, thresholds=thr).table["evpi"]
    assert np.all(t["evpi"] >= three) and np.all(t["evpi"] > 0)
    assert dev.method == "development" and dev.n_patients == 300
    with pytest.raises(ValidationError, match="prediction_voi_development"):
        dk.voi.prediction_voi_development(draws * 2, thresholds=thr)
    with pytest.raises(ValidationError, match="n_draws >= 2"):
        dk.voi.prediction_voi_development(draws[0], thresholds=thr)


def test_evsi_above_the_evpi_is_clipped_and_flagged_never_silently():
    # 100 draws and a study of 1e8 patients: EVSI ~ EVPI, and Monte-Carlo error puts some
    # estimates above it (seed 2: several thresholds); those are clipped and flagged, within
    # 3 standard errors without a warning (the suite turns DecisionKitWarnings into errors)
    y, risk = _sample(seed=2)
    res = dk.voi.prediction_voi(
        y,
        risk,
        thresholds=np.arange(0.05, 0.5, 0.05),
        sample_sizes=[10**8],
        n_draws=100,
        random_seed=2,
    )
    ev = res.evsi
    clipped = ev["flag"] == "clipped to EVPI"
    assert clipped.any()
    assert np.all(ev["evsi"] <= ev["evpi"])
    np.testing.assert_array_equal(ev.loc[clipped, "evsi"], ev.loc[clipped, "evpi"])
