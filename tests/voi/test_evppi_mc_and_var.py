"""Nested Monte-Carlo EVPPI (evppi_mc) and the value of information for estimation (evppivar).

Toy model (closed forms as in test_evppi.py): p1 ~ N(1, 1), p2 ~ N(0, sd 2), net benefit
(0, p1 - p2): EVPPI(p1) = Phi(1) + phi(1) - 1 = 0.0833, EVPPI(p2) = Phi(1/2) + 2 phi(1/2) - 1.
evppivar: Y = a + b with independent a ~ N(0, 2^2), b ~ N(0, 1): Var(E[Y | a]) = Var(a) = 4,
Var(E[Y | b]) = 1, and the pair explains all of Var(Y) = 5 (law of total variance).
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import decisionkit as dk
from decisionkit.exceptions import ValidationError

EVPPI_P1 = norm.cdf(1) + norm.pdf(1) - 1
EVPPI_P2 = norm.cdf(0.5) + 2 * norm.pdf(0.5) - 1


def sampler(n, rng):
    return pd.DataFrame({"p1": rng.normal(1, 1, n), "p2": rng.normal(0, 2, n)})


def model(p):
    return np.column_stack([np.zeros(len(p)), p["p1"] - p["p2"]])


@pytest.mark.parametrize(("par", "truth"), [("p1", EVPPI_P1), ("p2", EVPPI_P2)])
def test_evppi_mc_matches_closed_form_within_its_se(par, truth):
    res = dk.voi.evppi_mc(model, sampler, par, n_outer=1_000, n_inner=500, random_seed=3)
    # inner-loop noise (sd of an inner mean 2/sqrt(500) = 0.09) biases upwards by < 0.01
    assert res.evppi == pytest.approx(truth, abs=3.5 * res.se + 0.01)
    assert 0 < res.se < 0.03


def test_evppi_mc_agrees_with_regression_evppi_within_its_se():
    # the "must show": the gold standard and the GAM regression on a PSA of the model
    mc = dk.voi.evppi_mc(model, sampler, "p2", n_outer=1_000, n_inner=500, random_seed=4)
    psa = sampler(10_000, np.random.default_rng(5))
    out = dk.OutcomeDistribution.from_arrays({"nb": model(psa)}, inputs=psa)
    reg = dk.voi.evppi(out, None, "p2", random_seed=1)
    assert abs(mc.evppi - reg.evppi) < 3.5 * np.hypot(mc.se, 0.01)  # 0.01: regression MC sd
    assert mc.table["method"].iloc[0] == "mc"
    assert "p2" in repr(mc)


def test_evppi_mc_of_a_parameter_without_influence_is_near_zero():
    def model3(p):
        return np.column_stack([np.zeros(len(p)), p["p1"] - p["p2"] + 0 * p["z"]])

    def sampler3(n, rng):
        return sampler(n, rng).assign(z=rng.normal(size=n))

    res = dk.voi.evppi_mc(model3, sampler3, "z", n_outer=300, n_inner=300, random_seed=5)
    # only inner-loop noise remains: E[max(0, 1 + e)] - 1 with e sd sqrt(5 / 300) is ~1e-9
    assert res.evppi < 0.01


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"parameters": "nope"}, "not among the sampler's columns"),
        ({"parameters": "p1", "n_outer": 1}, "'n_outer' parameter of voi.evppi_mc"),
        ({"parameters": "p1", "model": lambda p: np.zeros(len(p))}, "shape (n_draws, n_actions)"),
        ({"parameters": "p1", "sampler": lambda n, rng: pd.DataFrame({"p1": [1.0]})}, "n rows"),
    ],
)
def test_evppi_mc_bad_input(kwargs, message):
    args = {"model": model, "sampler": sampler, "n_outer": 10, "n_inner": 10} | kwargs
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        dk.voi.evppi_mc(args.pop("model"), args.pop("sampler"), args.pop("parameters"), **args)


@pytest.mark.parametrize("method", ["gam", "mars"])
def test_evppivar_matches_the_variance_of_the_learnt_term(method):
    rng = np.random.default_rng(6)
    n = 5_000
    p = pd.DataFrame({"a": rng.normal(0, 2, n), "b": rng.normal(0, 1, n)})
    res = dk.voi.evppivar(
        p["a"] + p["b"], p, {"a": ["a"], "b": ["b"], "both": ["a", "b"]}, method=method
    )
    y = p["a"] + p["b"]
    # the plug-in of the true (linear) conditional mean fitted by least squares on these
    # draws is cov(Y, x)^2 / var(x); the smooth fits must match it closely, and the closed
    # forms 4 and 1 within sampling error (sd of a sample variance: 4 sqrt(2 / n) = 0.08)
    for name, truth in (("a", 4.0), ("b", 1.0)):
        linear = np.cov(y, p[name])[0, 1] ** 2 / p[name].var()
        assert res.evppivar[name] == pytest.approx(linear, abs=0.02)
        assert res.evppivar[name] == pytest.approx(truth, abs=0.25 * truth)
    assert res.evppivar["both"] == pytest.approx((p["a"] + p["b"]).var(), rel=1e-3)
    assert res.table["proportion"].between(0, 1).all()
    assert res.summary.loc["a", "variance"] == pytest.approx((p["a"] + p["b"]).var())


def test_evppivar_bad_input():
    p = pd.DataFrame({"a": np.arange(100.0)})
    with pytest.raises(ValidationError, match="has 99 draws but 'inputs' has 100 rows"):
        dk.voi.evppivar(np.zeros(99), p, "a")
    with pytest.raises(ValidationError, match="one of 'gam'"):
        dk.voi.evppivar(np.zeros(100), p, "a", method="so")
    with pytest.raises(ValidationError, match="one-column DataFrame"):
        dk.voi.evppivar(pd.DataFrame({"x": np.zeros(100), "y": np.zeros(100)}), p, "a")
