"""Decision curves: dcurves reference values, closed forms, bands, survival and bad input."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import decisionkit as dk
from decisionkit.exceptions import ValidationError

DATA = Path(__file__).parents[1] / "data" / "df_binary.csv"


@pytest.fixture(scope="module")
def df_binary():
    return pd.read_csv(DATA)


def _row(dc, model, threshold):
    at = dc.at(threshold)
    return at[at["model"] == model].iloc[0]


# ---------------------------------------------------------------- dcurves reference values
# Source: R dcurves test-dca.R reference values (df_binary, outcome cancer).


@pytest.mark.parametrize(
    ("model", "net_benefit"),
    [("cancerpredmarker", 0.064), ("Treat all", -0.1466667), ("Treat none", 0.0)],
)
def test_net_benefit_matches_dcurves_at_025(df_binary, model, net_benefit):
    dc = dk.threshold.decision_curve(
        df_binary["cancer"], {"cancerpredmarker": df_binary["cancerpredmarker"]}
    )
    assert _row(dc, model, 0.25)["net_benefit"] == pytest.approx(net_benefit, abs=1e-7)


@pytest.mark.parametrize(
    ("model", "nia"),
    [("cancerpredmarker", 0.632), ("Treat all", 0.0), ("Treat none", 0.44)],
)
def test_interventions_avoided_per_patient_match_dcurves_at_025(df_binary, model, nia):
    dc = dk.threshold.decision_curve(
        df_binary["cancer"], {"cancerpredmarker": df_binary["cancerpredmarker"]}, nia_per=1
    )
    assert _row(dc, model, 0.25)["net_interventions_avoided"] == pytest.approx(nia, abs=1e-7)


def test_interventions_avoided_scale_with_nia_per(df_binary):
    # dcurves reference 0.632 per patient -> 63.2 per 100 patients
    dc = dk.threshold.decision_curve(
        df_binary["cancer"], {"m": df_binary["cancerpredmarker"]}, thresholds=[0.25]
    )
    assert _row(dc, "m", 0.25)["net_interventions_avoided"] == pytest.approx(63.2)


@pytest.mark.parametrize(("model", "net_benefit"), [("famhistory", 0.032), ("Treat all", 0.14)])
def test_binary_risk_at_threshold_zero_matches_dcurves(df_binary, model, net_benefit):
    # risk exactly 0 is never positive, even at threshold 0 (dcurves epsilon convention)
    dc = dk.threshold.decision_curve(df_binary["cancer"], {"famhistory": df_binary["famhistory"]})
    assert _row(dc, model, 0.0)["net_benefit"] == pytest.approx(net_benefit, abs=1e-7)


def test_dataframe_of_risk_columns_equals_dict_input(df_binary):
    cols = ["cancerpredmarker", "famhistory"]
    a = dk.threshold.decision_curve(df_binary["cancer"], df_binary[cols]).to_frame()
    b = dk.threshold.decision_curve(
        df_binary["cancer"], {c: df_binary[c].to_numpy() for c in cols}
    ).to_frame()
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------- closed forms


def _simulated(n, seed=0):
    rng = np.random.default_rng(seed)
    risk = rng.beta(2, 5, n)
    y = (rng.random(n) < risk).astype(int)
    return y, risk


def test_perfect_risks_have_net_benefit_equal_to_prevalence():
    # closed form: risk = outcome -> TP = cases, FP = 0 at every threshold -> NB = prevalence
    y, _ = _simulated(500)
    dc = dk.threshold.decision_curve(y, {"perfect": y.astype(float)})
    nb = dc.to_frame().query("model == 'perfect'")["net_benefit"]
    np.testing.assert_allclose(nb, y.mean())


def test_treat_none_is_zero_everywhere():
    y, risk = _simulated(300)
    frame = dk.threshold.decision_curve(y, {"m": risk}).to_frame().query("model == 'Treat none'")
    np.testing.assert_array_equal(frame[["net_benefit", "tp_rate", "fp_rate"]], 0.0)


def test_treat_all_follows_closed_form():
    # closed form: NB_all = prevalence - (1 - prevalence) * pt / (1 - pt) (Vickers & Elkin 2006)
    y, risk = _simulated(300)
    dc = dk.threshold.decision_curve(y, {"m": risk})
    pt = dc.thresholds
    expected = y.mean() - (1 - y.mean()) * pt / (1 - pt)
    np.testing.assert_allclose(dc._curve("Treat all")["net_benefit"], expected)


def test_net_benefit_matches_per_threshold_counting():
    # definition: NB = TP/n - FP/n * pt/(1-pt), positives are risk >= pt (risks have no 0 or 1)
    y, risk = _simulated(400, seed=3)
    thr = np.array([0.05, 0.2, 0.37, 0.6])
    dc = dk.threshold.decision_curve(y, {"m": risk}, thresholds=thr)
    pos = risk[None, :] >= thr[:, None]
    tp = (pos & (y == 1)).sum(axis=1) / y.size
    fp = (pos & (y == 0)).sum(axis=1) / y.size
    np.testing.assert_allclose(dc._curve("m")["net_benefit"], tp - fp * thr / (1 - thr), rtol=1e-12)


def test_harm_is_subtracted_from_the_model_only():
    # definition: NB with harm = NB without harm - harm; defaults carry no harm by default
    y, risk = _simulated(200)
    base = dk.threshold.decision_curve(y, {"m": risk}).to_frame()
    harmed = dk.threshold.decision_curve(y, {"m": risk}, harm={"m": 0.01}).to_frame()
    diff = (base["net_benefit"] - harmed["net_benefit"]).to_numpy().reshape(3, -1)
    np.testing.assert_allclose(diff[0], 0.01)
    np.testing.assert_allclose(diff[1:], 0.0)


def test_case_control_prevalence_rescales_rates():
    # Pepe et al. / dcurves: TP/n = sensitivity * prevalence, FP/n = (1 - specificity)(1 - prev)
    y, risk = _simulated(400, seed=5)
    dc = dk.threshold.decision_curve(y, {"m": risk}, thresholds=[0.3], prevalence=0.1)
    pos = risk >= 0.3
    sens = pos[y == 1].mean()
    fpr = pos[y == 0].mean()
    row = _row(dc, "m", 0.3)
    assert row["tp_rate"] == pytest.approx(sens * 0.1)
    assert row["fp_rate"] == pytest.approx(fpr * 0.9)
    assert row["standardized_net_benefit"] == pytest.approx(row["net_benefit"] / 0.1)


def test_useful_range_bounds_where_model_beats_both_defaults(df_binary):
    dc = dk.threshold.decision_curve(df_binary["cancer"], {"famhistory": df_binary["famhistory"]})
    lo, hi = dc.useful_range("famhistory")
    frame = dc.to_frame().pivot(index="threshold", columns="model", values="net_benefit")
    beats = frame["famhistory"] > frame[["Treat all", "Treat none"]].max(axis=1)
    assert (lo, hi) == (beats[beats].index.min(), beats[beats].index.max())


def test_useful_range_is_nan_for_a_useless_model():
    y, _ = _simulated(200)
    dc = dk.threshold.decision_curve(y, {"coin": np.full(y.size, 0.0)})
    assert np.isnan(dc.useful_range("coin")).all()


def test_point_curve_has_nan_bands_and_prob_best():
    y, risk = _simulated(100)
    frame = dk.threshold.decision_curve(y, {"m": risk}).to_frame()
    assert frame[["net_benefit_lower", "net_benefit_upper", "prob_best"]].isna().all().all()


# ---------------------------------------------------------------- uncertainty


def _posterior_risks(n, n_draws, seed):
    """Beta posterior-like risk draws around a true risk, spread shrinking with n."""
    rng = np.random.default_rng(seed)
    true = rng.beta(2, 5, n)
    y = (rng.random(n) < true).astype(int)
    logit = np.log(true / (1 - true))
    noise = rng.normal(0, 0.3, (n_draws, 1))  # shared calibration-in-the-large uncertainty
    draws = 1 / (1 + np.exp(-(logit[None, :] + noise)))
    return y, draws


def _beta_binomial_group_draws(n, n_draws, seed):
    """Conjugate Beta(1, 1)-Binomial posterior of the risk in 5 risk groups (2,000 draws)."""
    rng = np.random.default_rng(seed)
    true = np.array([0.05, 0.15, 0.25, 0.4, 0.6])
    group = np.arange(n) % true.size
    y = (rng.random(n) < true[group]).astype(int)
    events = np.bincount(group, weights=y, minlength=true.size)
    sizes = np.bincount(group, minlength=true.size)
    post = rng.beta(1 + events, 1 + sizes - events, size=(n_draws, true.size))
    return y, post[:, group]


def test_posterior_bands_shrink_as_cohort_grows():
    # posterior sd of each group risk ~ 1/sqrt(n): fewer draws cross the 0.2 threshold
    widths = []
    for n in (200, 5000):
        y, draws = _beta_binomial_group_draws(n, 2000, seed=11)
        row = _row(dk.threshold.decision_curve(y, {"m": draws}, thresholds=[0.2]), "m", 0.2)
        widths.append(row["net_benefit_upper"] - row["net_benefit_lower"])
    assert widths[0] > 0
    assert widths[1] < widths[0] / 2


def test_bootstrap_bands_shrink_as_cohort_grows():
    # sampling uncertainty: bootstrap + 2,000 posterior draws; width ~ 1/sqrt(n)
    widths = []
    for n in (200, 3200):
        y, draws = _posterior_risks(n, 2000, seed=1)
        dc = dk.threshold.decision_curve(
            y, {"m": draws}, thresholds=[0.2], n_bootstrap=2000, random_seed=0
        )
        row = _row(dc, "m", 0.2)
        widths.append(row["net_benefit_upper"] - row["net_benefit_lower"])
    assert widths[1] < widths[0] / 2


def test_equal_draws_collapse_bands_to_point_curve():
    y, risk = _simulated(300)
    draws = np.tile(risk, (2000, 1))
    dc = dk.threshold.decision_curve(y, {"m": draws})
    point = dk.threshold.decision_curve(y, {"m": risk})
    a, b = dc.to_frame(), point.to_frame()
    np.testing.assert_allclose(a["net_benefit_lower"], b["net_benefit"])
    np.testing.assert_allclose(a["net_benefit_upper"], b["net_benefit"])
    np.testing.assert_allclose(a["net_benefit"], b["net_benefit"])


def test_posterior_point_curve_is_mean_of_per_draw_curves():
    y, draws = _posterior_risks(150, 5, seed=2)
    dc = dk.threshold.decision_curve(y, {"m": draws}, thresholds=[0.1, 0.3])
    per_draw = [
        dk.threshold.decision_curve(y, {"m": d}, thresholds=[0.1, 0.3])._curve("m")["net_benefit"]
        for d in draws
    ]
    np.testing.assert_allclose(dc._curve("m")["net_benefit"], np.mean(per_draw, axis=0))


def test_prob_best_sums_to_one_over_strategies():
    y, draws = _posterior_risks(300, 400, seed=4)
    frame = dk.threshold.decision_curve(y, {"m": draws}).to_frame()
    total = frame.groupby("threshold")["prob_best"].sum()
    np.testing.assert_allclose(total, 1.0)


def test_dataarray_draws_equal_ndarray_draws():
    y, draws = _posterior_risks(100, 50, seed=6)
    da = xr.DataArray(draws, dims=("draw", "unit"))
    a = dk.threshold.decision_curve(y, {"m": da}).to_frame()
    b = dk.threshold.decision_curve(y, {"m": draws}).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_bootstrap_is_reproducible_with_seed():
    y, risk = _simulated(200)
    a = dk.threshold.decision_curve(y, {"m": risk}, n_bootstrap=50, random_seed=3).to_frame()
    b = dk.threshold.decision_curve(y, {"m": risk}, n_bootstrap=50, random_seed=3).to_frame()
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------- survival


def _km_risk(t, e, horizon):
    """Textbook Kaplan-Meier 1 - S(horizon), one event time at a time (test oracle)."""
    s = 1.0
    for u in np.unique(t[(e == 1) & (t <= horizon)]):
        s *= 1 - ((t == u) & (e == 1)).sum() / (t >= u).sum()
    return 1 - s


def test_survival_net_benefit_uses_km_among_test_positives():
    # dcurves survival DCA: TP/n = KM risk among positives * P(positive) (Vickers et al. 2008)
    rng = np.random.default_rng(7)
    n = 300
    risk = rng.uniform(0, 1, n)
    t = np.round(rng.exponential(1 / (0.2 + risk)), 2)
    c = rng.uniform(0, 4, n)
    e = (t <= c).astype(int)
    obs = np.minimum(t, c)
    thr = np.array([0.0, 0.3, 0.6])
    dc = dk.threshold.decision_curve(e, {"m": risk}, time_to_event=obs, horizon=1.0, thresholds=thr)
    for pt in thr:
        pos = risk >= pt
        km = _km_risk(obs[pos], e[pos], 1.0)
        expected = km * pos.mean() - (1 - km) * pos.mean() * pt / (1 - pt)
        assert _row(dc, "m", pt)["net_benefit"] == pytest.approx(expected, rel=1e-10)
    assert dc.prevalence == pytest.approx(_km_risk(obs, e, 1.0))


def test_survival_horizon_beyond_follow_up_gives_nan():
    e = np.array([1, 0, 1, 0])
    dc = dk.threshold.decision_curve(
        e, {"m": [0.2, 0.4, 0.6, 0.8]}, time_to_event=[1.0, 2, 3, 4], horizon=5, thresholds=[0.1]
    )
    assert np.isnan(_row(dc, "m", 0.1)["net_benefit"])


# ---------------------------------------------------------------- bad input

Y = np.array([0, 1, 0, 1])
R = np.array([0.1, 0.8, 0.3, 0.6])


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"outcome": Y, "risks": {"m": R + 0.3}}, ValidationError, "never clipped"),
        ({"outcome": Y, "risks": {"m": -R}}, ValidationError, "probabilities in [0, 1]"),
        ({"outcome": [0, 1, 2, 1], "risks": {"m": R}}, ValidationError, "binary"),
        ({"outcome": [0, 1, np.nan, 1], "risks": {"m": R}}, ValidationError, "NaN"),
        ({"outcome": Y, "risks": {"m": [0.1, np.nan, 0.2, 0.3]}}, ValidationError, "NaN"),
        ({"outcome": Y, "risks": {"m": R}, "thresholds": [0.1, 1.0]}, ValidationError, "[0, 1)"),
        ({"outcome": Y, "risks": {"m": R}, "thresholds": [-0.1]}, ValidationError, "[0, 1)"),
        ({"outcome": Y, "risks": {"m": R[:3]}}, ValidationError, "has 3 patients"),
        ({"outcome": [], "risks": {"m": []}}, ValidationError, "empty"),
        ({"outcome": Y, "risks": {}}, ValidationError, "at least one"),
        ({"outcome": Y, "risks": R}, ValidationError, "dict of model name"),
        ({"outcome": Y, "risks": {"Treat all": R}}, ValidationError, "reserved"),
        ({"outcome": Y, "risks": {"m": R}, "harm": {"x": 0.1}}, ValidationError, "harm"),
        ({"outcome": Y, "risks": {"m": R}, "n_bootstrap": -1}, ValidationError, "n_bootstrap"),
        ({"outcome": Y, "risks": {"m": R}, "prevalence": 1.5}, ValidationError, "prevalence"),
        ({"outcome": Y, "risks": {"m": R}, "horizon": 1}, ValidationError, "time_to_event"),
        (
            {"outcome": Y, "risks": {"m": R}, "time_to_event": [1, 2, 3, 4]},
            ValidationError,
            "horizon",
        ),
        (
            {"outcome": Y, "risks": {"a": np.tile(R, (3, 1)), "b": np.tile(R, (4, 1))}},
            ValidationError,
            "same number of draws",
        ),
    ],
)
def test_decision_curve_rejects_bad_input(kwargs, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        dk.threshold.decision_curve(**kwargs)


def test_at_rejects_threshold_off_the_grid():
    dc = dk.threshold.decision_curve(Y, {"m": R}, thresholds=[0.1, 0.2])
    with pytest.raises(ValidationError, match=re.escape("nearest is 0.2")):
        dc.at(0.21)


def test_useful_intervals_report_gaps():
    # hand-made curve: model beats both defaults at 0.1 and 0.3 but not at 0.2
    y = np.array([1, 0, 0, 0, 1, 0])
    risk = np.array([0.35, 0.25, 0.05, 0.05, 0.15, 0.05])
    dc = dk.threshold.decision_curve(y, {"m": risk}, thresholds=[0.1, 0.2, 0.3])
    nb = dc._curve("m")["net_benefit"].to_numpy()
    # NB(0.1) = 2/6 - 1/6 * 1/9; NB(0.2) = 1/6 - 1/6 * 1/4; NB(0.3) = 1/6 (closed form)
    np.testing.assert_allclose(nb, [2 / 6 - 1 / 54, 1 / 6 - 1 / 24, 1 / 6])
    assert dc.useful_intervals("m") == [(0.1, 0.1), (0.3, 0.3)]
    assert dc.useful_range("m") == (0.1, 0.3)


@pytest.mark.parametrize(
    "thresholds",
    [
        np.arange(100) / 100,
        np.array([0.0, 1e-7, 0.5]),
        np.sort(np.random.default_rng(0).random(37)),
    ],
)
def test_lookup_binning_equals_binary_search(thresholds):
    # definition: bin = number of thresholds <= risk (np.searchsorted side="right"), 0 for risk 0;
    # includes risks exactly on thresholds, 0, 1 and the float just below a threshold
    from decisionkit.threshold._engine import risk_bins

    rng = np.random.default_rng(1)
    risks = np.concatenate(
        [rng.random(5000), thresholds, np.nextafter(thresholds, -1), [0.0, 1.0, 1 - 1e-16]]
    )
    risks = risks[(risks >= 0) & (risks <= 1)]
    expected = np.searchsorted(thresholds, risks, side="right")
    expected[risks == 0] = 0
    np.testing.assert_array_equal(risk_bins(risks, thresholds), expected)


def test_survival_risk_is_one_when_every_positive_has_the_event_by_horizon():
    # KM closed form: all events before the horizon -> S(h) = 0 -> NB = P(+) (no false positives)
    e = np.array([1, 1, 1, 0])
    dc = dk.threshold.decision_curve(
        e,
        {"m": [0.6, 0.7, 0.8, 0.1]},
        time_to_event=[0.5, 0.7, 2.0, 3.0],
        horizon=2,
        thresholds=[0.5],
    )
    assert _row(dc, "m", 0.5)["net_benefit"] == pytest.approx(0.75)


def test_survival_bootstrap_band_contains_point_curve():
    rng = np.random.default_rng(8)
    n = 200
    risk = rng.uniform(0, 1, n)
    t = rng.exponential(1 / (0.2 + risk))
    e = (t <= 3).astype(int)
    obs = np.minimum(t, 3)
    dc = dk.threshold.decision_curve(
        e,
        {"m": risk},
        time_to_event=obs,
        horizon=1.0,
        thresholds=[0.1, 0.4],
        n_bootstrap=100,
        random_seed=1,
    )
    f = dc.to_frame()
    assert dc.uncertainty == "bootstrap"
    assert (f["net_benefit_lower"] <= f["net_benefit"]).all()
    assert (f["net_benefit"] <= f["net_benefit_upper"]).all()
    assert (
        f.query("model != 'Treat none'")["net_benefit_upper"]
        > f.query("model != 'Treat none'")["net_benefit_lower"]
    ).all()


def test_point_model_beside_posterior_model_keeps_its_point_curve():
    # a point-risk column has no posterior spread: its band collapses to its own curve
    y, draws = _posterior_risks(200, 300, seed=9)
    point = draws.mean(axis=0)
    both = dk.threshold.decision_curve(y, {"draws": draws, "point": point}).to_frame()
    alone = dk.threshold.decision_curve(y, {"point": point}).to_frame()
    a = both.query("model == 'point'")
    b = alone.query("model == 'point'")
    np.testing.assert_allclose(a["net_benefit"], b["net_benefit"])
    np.testing.assert_allclose(a["net_benefit_lower"], b["net_benefit"])
    np.testing.assert_allclose(a["net_benefit_upper"], b["net_benefit"])
