"""Bayesian additive regression trees (BART) for regression-based EVPPI, via pymc-bart.

voi's ``method = "bart"`` fits ``dbarts::bart`` and reports the EVPPI from the posterior mean
of the fitted values, with the posterior sd of the EVPPI as its standard error. Here the same
model is a PyMC model with a :class:`pymc_bart.BART` mean (pymc-bart, the optional extra
``bart``; imported lazily): ``y ~ Normal(mu(x), sigma)``, ``mu`` a sum of ``n_trees`` trees
sampled by particle Gibbs, ``sigma ~ HalfNormal(sd(y))``.

References
----------
Chipman HA, George EI, McCulloch RE. BART: Bayesian additive regression trees. Annals of
Applied Statistics 2010;4:266-298. Quiroga M, Garay PG, Alonso JM, Loyola JM, Martin OA.
Bayesian additive regression trees for probabilistic programming. arXiv:2206.03619 (2022).
"""

from __future__ import annotations

import logging

import numpy as np

from decisionkit._validation import require

__all__ = ["fit_bart_draws"]


def fit_bart_draws(
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    *,
    n_trees: int = 50,
    draws: int = 200,
    tune: int = 200,
) -> np.ndarray:
    """Posterior draws ``(draws, n)`` of ``mu(x)`` at the data for one response ``y``."""
    pm = require("pymc", "EVPPI by BART")
    pmb = require("pymc_bart", "EVPPI by BART (method='bart')", "bart")
    sd = float(y.std()) or 1.0
    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(logging.ERROR)  # PyMC logs the sampler set-up at INFO for every fit
    try:
        with pm.Model():
            mu = pmb.BART("mu", x, y / sd, m=n_trees)
            sigma = pm.HalfNormal("sigma", 1.0)
            pm.Normal("y", mu, sigma, observed=y / sd)
            idata = pm.sample(
                draws=draws,
                tune=tune,
                chains=1,
                cores=1,
                random_seed=seed,
                progressbar=False,
                compute_convergence_checks=False,
            )
    finally:
        logger.setLevel(level)
    return sd * np.asarray(idata.posterior["mu"].values).reshape(-1, x.shape[0])
