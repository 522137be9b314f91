"""Tests of check_convergence on synthetic posteriors with known pathologies."""

from __future__ import annotations

import subprocess
import sys

import arviz as az
import numpy as np
import pytest

from decisionkit.exceptions import ConvergenceWarning
from decisionkit.models import check_convergence


def posterior(chains: np.ndarray, diverging: np.ndarray | None = None):
    groups = {"posterior": {"mu": chains[..., 0], "beta": chains[..., 1:]}}
    if diverging is not None:
        groups["sample_stats"] = {"diverging": diverging}
    return az.from_dict(groups)


def test_independent_well_mixed_chains_pass():
    # iid N(0, 1) draws: r_hat ~ 1 and bulk ESS ~ 2 x 1000 (Vehtari et al. 2021)
    draws = np.random.default_rng(0).normal(size=(2, 1000, 3))
    diag = check_convergence(posterior(draws, np.zeros((2, 1000), bool)), model_name="M")
    assert diag["problems"] == []
    assert diag["max_rhat"] < 1.01 and diag["min_ess_bulk"] > 400 and diag["n_divergences"] == 0


def test_chains_in_different_places_warn_naming_the_parameter():
    draws = np.random.default_rng(1).normal(size=(2, 1000, 3))
    draws[1, :, 2] += 3.0  # second chain of beta[1] stuck elsewhere
    with pytest.warns(ConvergenceWarning, match=r"r_hat > 1.01 .*beta\[1\]"):
        diag = check_convergence(posterior(draws), model_name="MyModel")
    assert diag["max_rhat"] > 1.01


def test_autocorrelated_chains_flag_low_bulk_ess():
    rng = np.random.default_rng(2)
    walk = np.cumsum(rng.normal(size=(2, 1000, 2)), axis=1) * 0.01 + rng.normal(size=(2, 1, 2))
    with pytest.warns(ConvergenceWarning, match="bulk ESS < 400"):
        check_convergence(posterior(walk), model_name="M")


def test_divergences_are_counted_and_reported():
    draws = np.random.default_rng(3).normal(size=(2, 1000, 2))
    div = np.zeros((2, 1000), bool)
    div[0, :7] = True
    with pytest.warns(ConvergenceWarning, match="7 divergent transition"):
        diag = check_convergence(posterior(draws, div), model_name="M")
    assert diag["n_divergences"] == 7


def test_single_chain_is_flagged():
    draws = np.random.default_rng(4).normal(size=(1, 2000, 2))
    with pytest.warns(ConvergenceWarning, match="only 1 chain"):
        check_convergence(posterior(draws), model_name="M")


def test_warn_false_returns_problems_silently():
    draws = np.random.default_rng(4).normal(size=(1, 2000, 2))
    diag = check_convergence(posterior(draws), model_name="M", warn=False)
    assert diag["problems"]


def test_importing_models_does_not_import_pymc_or_sklearn():
    code = "import sys, decisionkit.models; print('pymc' in sys.modules, 'sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
