"""Risk ratios: the binomial likelihood with a log link (TSD 2's constrained log link)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ConvergenceWarning, ValidationError
from decisionkit.models.evidence import NetworkMetaAnalysis, NetworkTrial

FAST = {
    "sampler_config": {"draws": 1000, "tune": 500, "chains": 2, "cores": 1, "progressbar": False}
}
TRIALS = pd.DataFrame(
    [("S1", "A", 150, 1000), ("S1", "B", 200, 1000), ("S2", "A", 100, 800), ("S2", "B", 140, 800)],
    columns=["study", "treatment", "events", "total"],
)


def _log_rr_ivw():
    """Closed form (large samples): inverse-variance weighted mean of the studies' log risk
    ratios, with the delta-method variance 1/r1 - 1/n1 + 1/r0 - 1/n0 (Greenland & Robins)."""
    est = np.array([np.log(0.2 / 0.15), np.log(0.175 / 0.125)])
    var = np.array([1 / 200 - 1 / 1000 + 1 / 150 - 1 / 1000, 1 / 140 - 1 / 800 + 1 / 100 - 1 / 800])
    w = 1 / var
    return float((w * est).sum() / w.sum()), float(np.sqrt(1 / w.sum()))


@pytest.fixture(scope="module")
def rr_fit():
    return NetworkMetaAnalysis(effects="fixed", link="log", random_seed=3, **FAST).fit(
        TRIALS, events="events", total="total"
    )


def test_log_link_fixed_effect_is_the_weighted_log_risk_ratio(rr_fit):
    mean, sd = _log_rr_ivw()
    d = rr_fit.relative_effects().iloc[0]
    assert d["mean"] == pytest.approx(mean, abs=0.015)  # posterior sd 0.076; MCSE ~0.003
    assert d["sd"] == pytest.approx(sd, rel=0.1)
    assert rr_fit.network_.link == "log"
    # the log odds ratio of the same data is further from 0 (risks of 15-20% are not rare)
    assert np.log(0.2 / 0.8) - np.log(0.15 / 0.85) > d["mean"] + 0.04


def test_log_link_absolute_effects_are_risks_times_risk_ratios(rr_fit):
    psa = rr_fit.psa_inputs(0.2, random_seed=1)
    assert list(psa.columns) == ["p[A]", "p[B]", "d[B]"]
    np.testing.assert_allclose(psa["p[B]"], 0.2 * np.exp(psa["d[B]"]))
    capped = rr_fit.psa_inputs(0.9, random_seed=1)  # 0.9 x RR 1.36 would exceed 1
    assert capped["p[B]"].max() == 1.0
    stats = rr_fit.fit_statistics()
    assert np.isfinite(stats["DIC"]) and stats["n_data"] == 4


def test_log_link_keeps_high_risks_below_one():
    # risks near 1: the linear predictor is capped at 0 (p = exp(min(theta, 0)) <= 1). The
    # posterior then presses against the cap, where NUTS reports a few divergences (the known
    # difficulty of the constrained log link, Warn et al. 2002): the warning is expected here
    # and the estimates are checked instead
    high = pd.DataFrame(
        [("H1", "A", 88, 100), ("H1", "B", 97, 100), ("H2", "A", 80, 100), ("H2", "B", 95, 100)],
        columns=["study", "treatment", "events", "total"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = NetworkMetaAnalysis(effects="fixed", link="log", random_seed=4, **FAST).fit(
            high, events="events", total="total"
        )
    eta = fit.idata_["posterior"]["eta"].values
    assert np.exp(np.minimum(eta, 0)).max() <= 1.0
    rr = float(np.exp(fit.relative_effects()["mean"].iloc[0]))
    assert 1.0 < rr < 1.25  # pooled crude risk ratio 192/168 = 1.14


def test_network_trial_follows_the_log_link(rr_fit):
    assert NetworkTrial(rr_fit, "A", "B", baseline=0.1).link == "log"


def test_unknown_link_is_refused():
    with pytest.raises(ValidationError, match=r"'link' parameter of NetworkMetaAnalysis\.fit"):
        NetworkMetaAnalysis(link="probit").fit(TRIALS, events="events", total="total")
