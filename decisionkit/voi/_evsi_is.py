r"""EVSI by importance sampling (Menzies 2016), as voi's ``method = "is"``.

For a simulated data set :math:`X_i` the preposterior mean of the incremental net benefit is
the likelihood-weighted average over the PSA draws :math:`\theta_j`,

.. math::

    E(\mathrm{INB} \mid X_i) \approx \sum_j w_{ij}\, g(\theta_j), \qquad
    w_{ij} = \frac{p(X_i \mid \theta_j)}{\sum_k p(X_i \mid \theta_k)},

where :math:`g` is the regression (EVPPI) fit of the net benefit on the study parameters
(voi weights these fitted values, which removes the noise of the other parameters). EVSI is
then :math:`\frac1D\sum_i \max_a E(\mathrm{INB}_a\mid X_i) - \max_a \frac1D \sum_i
E(\mathrm{INB}_a\mid X_i)`.

Cost: ``D x S`` likelihood evaluations per sample size. voi uses one data set per draw
(``D = S``, ``O(S^2)``) and a first-``nsim``-rows subset to keep it feasible; here ``D``
data sets (``n_datasets``, default ``min(S, 1000)``) are simulated at a random subset of the
draws while the weights run over *all* ``S`` draws, in blocks of data sets sized by
``dk.set_options(working_memory=)``. The standard error is a bootstrap over the ``D`` data
sets (the Monte-Carlo error of the outer expectation; the regression fit is taken as known).

References
----------
Menzies NA. An efficient estimator for the expected value of sample information. Medical
Decision Making 2016;36:308-320.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._options import chunk_values
from decisionkit._validation import caller_name
from decisionkit.exceptions import ValidationError
from decisionkit.voi._regression import single_thread

__all__ = ["log_weights", "preposterior_is"]

N_BOOT = 200


def log_weights(
    loglik: Callable[..., Any],
    frame: pd.DataFrame,
    data: pd.DataFrame,
    n: int,
) -> np.ndarray:
    """Normalised importance weights ``(len(data), len(frame))`` from the study's ``loglik``.

    Raises a :class:`ValidationError` naming ``caller`` when the likelihood has the wrong
    shape, returns NaN, or is zero (``-inf``) for every draw of some data set.
    """
    ll = np.asarray(loglik(frame, data, n), dtype=float)
    if ll.ndim == 1 and len(data) == 1:
        ll = ll[None, :]
    if ll.shape != (len(data), len(frame)):
        raise ValidationError(
            f"{caller_name()}: the study's loglik() returned shape {ll.shape}; it must return the "
            f"log-likelihood of each data set under each draw, shape ({len(data)}, "
            f"{len(frame)})."
        )
    if not np.isfinite(ll.sum()) and (np.isnan(ll).any() or np.isposinf(ll).any()):
        raise ValidationError(
            f"{caller_name()}: the study's loglik() returned NaN or +inf at n={n}. It must return "
            "finite log-likelihoods (or -inf where a draw cannot produce the data)."
        )
    top = ll.max(axis=1, keepdims=True)
    if np.isneginf(top).any():
        bad = int(np.isneginf(top[:, 0]).sum())
        raise ValidationError(
            f"{caller_name()}: the study's likelihood is zero for every parameter draw for {bad} "
            f"simulated data set(s) at n={n}, so importance weights cannot be formed. Check "
            "that loglik() returns the LOG-likelihood of data from simulate() (same columns, "
            "same n)."
        )
    w = ll - top  # a new array (never the one loglik returned); then in place
    np.exp(w, out=w)
    w /= w.sum(axis=1, keepdims=True)
    return w


def preposterior_is(
    study: Any,
    frame: pd.DataFrame,
    fitted: np.ndarray,
    n: int,
    n_datasets: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Preposterior means ``(D, R)`` of the fitted values and each data set's effective size.

    ``fitted`` is ``(S, R)``: the regression fit of the incremental net benefit on the study
    parameters. The effective sample size of data set ``i`` is ``1 / sum_j w_ij^2``.
    """
    n_draws = len(frame)
    rows = np.sort(rng.choice(n_draws, size=n_datasets, replace=False))
    data = study.simulate(frame.iloc[rows].reset_index(drop=True), n, rng)
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if not isinstance(data, pd.DataFrame) or len(data) != n_datasets:
        raise ValidationError(
            f"{caller_name()}: the study's simulate() must return a DataFrame with one row per "
            f"parameter draw passed to it ({n_datasets}); got {type(data).__name__}."
        )
    prepost = np.empty((n_datasets, fitted.shape[1]))
    ess = np.empty(n_datasets)
    block = max(1, chunk_values(3 * n_draws))  # log-likelihoods, weights and a temporary
    with single_thread():  # thin matrix products: BLAS threads cost more than they save
        for start in range(0, n_datasets, block):
            stop = min(start + block, n_datasets)
            w = log_weights(study.loglik, frame, data.iloc[start:stop], n)
            prepost[start:stop] = w @ fitted
            ess[start:stop] = 1.0 / np.einsum("ij,ij->i", w, w)
    return prepost, ess


def evsi_from_preposterior(
    prepost: np.ndarray,
    prior_mean: np.ndarray,
    n_actions: int,
    rng: np.random.Generator,
    se: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """EVSI per grid value, its bootstrap SE over data sets and the bootstrap draws.

    EVSI is the mean over data sets of the regret of the action that is best a priori (its
    mean net benefit taken over all draws, ``prior_mean``): ``mean_i max_a m_ia - m_ia*``.
    This equals voi's ``mean_i max_a m_ia - max_a mean_i m_ia`` in expectation, but is a mean
    of non-negative terms and does not let the noise of a subset of data sets move the prior
    decision.
    """
    d = prepost.shape[0]
    g = prepost.reshape(d, n_actions - 1, -1)
    full = np.concatenate([np.zeros_like(g[:, :1]), g], axis=1)  # (D, A, G)
    inc_mean = prior_mean.reshape(n_actions - 1, -1)
    chosen = np.concatenate([np.zeros_like(inc_mean[:1]), inc_mean])  # (A, G)
    best = np.argmax(chosen, axis=0)  # (G,)
    regret = full.max(axis=1) - np.take_along_axis(full, best[None, None, :], axis=1)[:, 0]
    value = regret.mean(axis=0)
    if not se:
        return value, np.full(value.shape, np.nan), None
    idx = rng.integers(0, d, size=(N_BOOT, d))
    boot = regret[idx].mean(axis=1).T  # (G, B)
    return value, boot.std(axis=-1, ddof=1), boot
