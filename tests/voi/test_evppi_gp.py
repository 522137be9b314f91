"""EVPPI by Gaussian-process regression (method="gp", Strong, Oakley & Brennan 2014).

The GP has a linear mean and hyperparameters from a 500-draw subsample, as voi's gp method;
these tests check that it agrees with the closed form and with the GAM on the same draws.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import decisionkit as dk
from decisionkit.voi._regression import fit_gp


def outcomes(inb, params):
    n = len(inb)
    return dk.OutcomeDistribution.from_arrays(
        {"nb": np.column_stack([np.zeros(n), inb])}, actions=["old", "new"], inputs=params
    )


def test_gp_keeps_a_weak_linear_signal():
    # INB = 0.1 x + noise (noise 10x the signal sd): E[INB | x] = 0.1 x, a weak trend that a
    # constant-mean GP fitted by marginal likelihood tends to drop as noise. Closed form of
    # EVPPI(x) with x ~ N(0, 1): E[max(0, 0.1 x)] = 0.1 phi(0) (mean INB 0).
    rng = np.random.default_rng(11)
    n = 2_000
    p = pd.DataFrame({"x": rng.normal(size=n), "e": rng.normal(size=n)})
    out = outcomes(0.1 * p["x"] + 1.0 * p["e"], p)
    gp = dk.voi.evppi(out, None, "x", method="gp", random_seed=1).evppi
    # sampling sd of the plug-in estimate at n = 2,000 is about 0.005 (noise sd 1 / sqrt(n))
    assert gp == pytest.approx(0.1 * norm.pdf(0), abs=0.015)
    assert gp > 0.02


def test_gp_agrees_with_gam_on_a_nonlinear_model():
    rng = np.random.default_rng(12)
    n = 2_000
    p = pd.DataFrame({"a": rng.uniform(-2, 2, n), "b": rng.normal(size=n)})
    inb = np.sin(2 * p["a"]) + 0.3 * p["a"] ** 2 - 0.4 + 0.5 * p["b"]
    out = outcomes(inb, p)
    gp = dk.voi.evppi(out, None, "a", method="gp", random_seed=1).evppi
    gam = dk.voi.evppi(out, None, "a", method="gam", random_seed=1)
    oracle = np.maximum(np.sin(2 * p["a"]) + 0.3 * p["a"] ** 2 - 0.4, 0).mean() - max(
        0.0, float((np.sin(2 * p["a"]) + 0.3 * p["a"] ** 2 - 0.4).mean())
    )
    # the true conditional mean plugged in on the same draws: both regressions within 0.02
    assert gp == pytest.approx(oracle, abs=0.02)
    assert gp == pytest.approx(gam.evppi, abs=max(0.02, 3 * gam.se))


def test_gp_group_and_conditioning_subsample():
    rng = np.random.default_rng(13)
    n = 3_000
    x = rng.normal(size=(n, 2))
    y = (x[:, 0] * x[:, 1] + 0.2 * rng.normal(size=n))[:, None]
    fit = fit_gp(x, y, np.random.default_rng(0), n_fit=1_000)
    # conditioned on 1,000 draws, predicting all 3,000: the product is recovered closely
    assert fit.fitted.shape == (n, 1)
    assert np.corrcoef(fit.fitted[:, 0], x[:, 0] * x[:, 1])[0, 1] > 0.98
    assert fit.fitted[:, 0].mean() == pytest.approx(y.mean(), abs=1e-9)  # intercept from all draws
