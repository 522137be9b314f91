"""EVPPI by multivariate adaptive regression splines (method="mars", voi's "earth").

Closed forms (the toy problem of test_evppi.py): p1 ~ N(1, 1), p2 ~ N(0, sd 2), incremental
net benefit p1 - p2, so EVPPI(p1) = Phi(1) + phi(1) - 1 and EVPPI(p2) = Phi(1/2) +
2 phi(1/2) - 1 (Strong, Oakley & Brennan 2014 style). The agreement with R's earth itself on
voi's chemotherapy model is checked in benchmarks/validate_evppi_earth.py (needs R).
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import decisionkit as dk
from decisionkit.voi._mars import fit_mars_column
from decisionkit.voi._regression import REGRESSIONS

EVPPI_P1 = norm.cdf(1) + norm.pdf(1) - 1
EVPPI_P2 = norm.cdf(0.5) + 2 * norm.pdf(0.5) - 1


def toy(n=5_000, seed=0):
    rng = np.random.default_rng(seed)
    p = pd.DataFrame(
        {"p1": rng.normal(1, 1, n), "p2": rng.normal(0, 2, n), "noise": rng.normal(size=n)}
    )
    nb = np.column_stack([np.zeros(n), p["p1"] - p["p2"]])
    return dk.OutcomeDistribution.from_arrays({"nb": nb}, actions=["comparator", "new"], inputs=p)


def oracle(g):
    """The plug-in EVPPI with the true conditional mean on the same draws."""
    return np.maximum(g, 0).mean() - max(0.0, g.mean())


def test_mars_recovers_a_hinge_function():
    # y = 3 (x - 0.5)_+ - x is exactly a MARS model: the fit must reproduce it
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(2_000, 1))
    y = 3 * np.maximum(x[:, 0] - 0.5, 0) - x[:, 0]
    model = fit_mars_column(x, y)
    assert np.sqrt(np.mean((model.fitted - y) ** 2)) < 0.01 * y.std()
    assert len(model.terms) <= 4  # intercept + hinge pair (+ at most one spare)


def test_mars_ignores_an_irrelevant_parameter():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3_000, 1))
    model = fit_mars_column(x, rng.normal(size=3_000))
    assert len(model.terms) <= 3  # GCV pruning removes noise terms (usually to the intercept)


def test_mars_evppi_matches_closed_form():
    out = toy()
    res = dk.voi.evppi_each(out, None, ["p1", "p2", "noise"], method="mars", random_seed=1)
    p = out.inputs
    # regression error vs the true conditional mean on the same draws is what MARS controls
    assert res.evppi["p1"] == pytest.approx(oracle(p["p1"].to_numpy()), abs=0.01)
    assert res.evppi["p2"] == pytest.approx(oracle(1 - p["p2"].to_numpy()), abs=0.01)
    # and the closed form within Monte-Carlo error at 5,000 draws (sd about 0.01)
    assert res.evppi["p1"] == pytest.approx(EVPPI_P1, abs=0.04)
    assert res.evppi["p2"] == pytest.approx(EVPPI_P2, abs=0.04)
    assert res.evppi["noise"] < 0.02
    assert (res.table["method"] == "mars").all()
    se = res.se
    assert 0 < se["p1"] < 0.05 and 0 < se["p2"] < 0.05


def test_mars_group_captures_an_interaction():
    # INB = p1 * p2 depends on the pair only through the product: the additive fit of either
    # parameter alone is 0 (E[INB | p1] = p1 E[p2] = 0), the pair's EVPPI is the EVPI
    rng = np.random.default_rng(4)
    n = 4_000
    p = pd.DataFrame({f"p{i}": rng.normal(0, 1, n) for i in (1, 2, 3)})
    product = (p["p1"] * p["p2"]).to_numpy()
    inb = product + 0.5 * p["p3"].to_numpy()
    out = dk.OutcomeDistribution.from_arrays({"nb": np.column_stack([np.zeros(n), inb])}, inputs=p)
    res = dk.voi.evppi(out, None, ["p1", "p2"], method="mars", random_seed=1)
    truth = oracle(product)  # E[max(0, p1 p2)] on these draws (1 / pi in closed form)
    assert res.evppi == pytest.approx(truth, rel=0.05)
    single = dk.voi.evppi(out, None, "p1", method="mars", random_seed=1)
    # in-sample fitted values carry a little noise (upward bias ~0.04 here), not the signal
    assert single.evppi < 0.2 * truth


def test_mars_is_a_registered_regression_for_evsi():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(500, 2))
    y = np.column_stack([x[:, 0] + np.maximum(x[:, 1], 0), -x[:, 0]])
    fit = REGRESSIONS["mars"](x, y, rng)
    assert fit.fitted.shape == (500, 2)
    assert np.corrcoef(fit.fitted[:, 0], y[:, 0])[0, 1] > 0.99
    sims = fit.samples(10, rng, np.arange(20))
    assert sims.shape == (20, 2, 10)
