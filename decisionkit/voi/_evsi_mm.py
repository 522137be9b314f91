r"""EVSI by moment matching (Heath, Manolopoulou & Baio 2018), as voi's ``method = "mm"``.

The preposterior mean :math:`\mu_X = E(\mathrm{INB}\mid X)` has variance
:math:`\mathrm{Var}(\mathrm{INB}) - E_X[\mathrm{Var}(\mathrm{INB}\mid X)]`. Moment matching
estimates the second term from ``Q`` data sets simulated at quantiles of the study
parameters, then rescales the EVPPI fitted values :math:`g` (regression of the net benefit on
the study parameters) to that variance:

.. math::

    \tilde g_i = \bar g + (g_i - \bar g)\, \Sigma_g^{-1/2}\, \Sigma_X^{1/2},\qquad
    \mathrm{EVSI} = \tfrac1S\textstyle\sum_i \max_a \tilde g_{ia} - \max_a \bar g_a,

with :math:`\Sigma_X` the preposterior covariance (a scalar ratio of standard deviations,
voi's ``p_shrink``, for two actions).

Following voi (``evsi_mm_core``): the ``Q`` parameter sets are the ``1/(Q+1), ..., Q/(Q+1)``
quantiles of each study parameter, independently permuted; with several sample sizes the
``q``-th data set has size ``round(t_q^2)`` for ``t`` equally spaced from ``sqrt(min n)`` to
``sqrt(max n)``, and the variance reduction is fitted by
:math:`\mathrm{Var}(g)\, n / (n + \beta)` and evaluated at each ``n``; with one sample size,
:math:`\Sigma_X = \max(0, \mathrm{Var}(\mathrm{INB}) - \overline{\mathrm{Var}(\mathrm{INB}
\mid X_q)})`.

Differences from voi, documented honestly:

* ``beta`` is fitted by least squares (a grid over ``log beta`` refined inside the best
  bracket; voi samples it with JAGS under weak priors and uses the posterior median of the
  variance reduction).
* Posterior variance of the net benefit given a data set: with ``model=`` it is computed, as
  voi does, by re-running the model on posterior draws of the study parameters (the design's
  ``posterior``; the built-in designs use conjugate updates of priors moment-matched to the
  PSA draws) combined with PSA draws of the other parameters. Without a model it is the
  likelihood-weighted variance over the PSA draws (the design's ``loglik``; importance
  reweighting of the prior draws, exact up to Monte-Carlo error but noisy when a large study
  leaves few draws with weight). The weighted variance is that of
  the EVPPI fitted values ``g``, compared with ``Var(g)``: the part of the net benefit the
  study parameters do not explain has the same variance before and after the study.
* The standard error combines a bootstrap over the ``Q`` data sets (the Monte-Carlo error of
  the variance estimate, dominant for small ``Q``) with the Monte-Carlo error of the mean
  over the ``S`` draws; the error of the EVPPI regression fit is not included (see
  ``result.evppi["se"]``).

References
----------
Heath A, Manolopoulou I, Baio G. Efficient Monte Carlo estimation of the expected value of
sample information using moment matching. Medical Decision Making 2018;38:163-173.
Heath A, Manolopoulou I, Baio G. Estimating the expected value of sample information across
different sample sizes using moment matching and nonlinear regression. Medical Decision
Making 2019;39:347-359.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name
from decisionkit.exceptions import ValidationError
from decisionkit.voi._evppi import value_from_fitted
from decisionkit.voi._evsi_is import log_weights

__all__ = ["moment_matching"]

N_BOOT = 200
N_POSTERIOR = 1000  # posterior draws per data set when the model is re-run (voi's niter)


def quantile_sets(
    frame: pd.DataFrame, names: tuple[str, ...], q: int, rng: np.random.Generator
) -> pd.DataFrame:
    """``q`` parameter sets: permuted quantiles of the study parameters, other columns drawn."""
    rows = rng.choice(len(frame), size=q, replace=True)
    out = frame.iloc[rows].reset_index(drop=True).copy()
    probs = np.arange(1, q + 1) / (q + 1)
    for name in names:
        out[name] = rng.permutation(np.quantile(np.asarray(frame[name], dtype=float), probs))
    return out


def fit_sizes(sizes: list[int], q: int) -> np.ndarray:
    """The data-set sizes of voi: squares of ``q`` points equally spaced in ``sqrt(n)``."""
    if len(sizes) == 1:
        return np.full(q, sizes[0])
    grid = np.linspace(np.sqrt(min(sizes)), np.sqrt(max(sizes)), q) ** 2
    return np.maximum(1, np.round(grid)).astype(int)


def _weighted_cov(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted covariances of ``x`` (S, C, G) for weight rows ``w`` (D, S): (D, G, C, C)."""
    mean = np.einsum("ds,scg->dcg", w, x)
    second = np.einsum("ds,scg,seg->dgce", w, x, x)
    return second - np.einsum("dcg,deg->dgce", mean, mean)


def _cov(x: np.ndarray) -> np.ndarray:
    """Covariance over draws of ``x`` (S, C, G): (G, C, C)."""
    centred = x - x.mean(axis=0)
    return np.einsum("scg,seg->gce", centred, centred) / (x.shape[0] - 1)


def _sqrtm(m: np.ndarray) -> np.ndarray:
    """Symmetric square root of a (clipped to positive semi-definite) matrix."""
    vals, vecs = np.linalg.eigh((m + m.T) / 2)
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


def posterior_covariances(
    study: Any,
    frame: pd.DataFrame,
    inc: np.ndarray,
    sets: pd.DataFrame,
    nfit: np.ndarray,
    model: Callable[[pd.DataFrame], np.ndarray] | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Posterior covariance of the INB given each of the ``Q`` data sets: (Q, G, C, C)."""
    q = len(sets)
    out = np.empty((q, inc.shape[2], inc.shape[1], inc.shape[1]))
    datasets = [
        study.simulate(sets.iloc[[k]].reset_index(drop=True), int(nfit[k]), rng) for k in range(q)
    ]
    if model is None:
        for size in np.unique(nfit):
            ks = np.flatnonzero(nfit == size)
            data = pd.concat([datasets[k] for k in ks], ignore_index=True)
            w = log_weights(study.loglik, frame, data, int(size))
            out[ks] = _weighted_cov(inc, w)
        return out
    pieces = []
    for k in range(q):
        post = study.posterior(frame, datasets[k], int(nfit[k]), N_POSTERIOR, rng)
        missing = [p for p in study.parameters if p not in getattr(post, "columns", [])]
        if not isinstance(post, pd.DataFrame) or len(post) != N_POSTERIOR or missing:
            raise ValidationError(
                f"{caller_name()}: the study's posterior() must return a DataFrame of "
                f"{N_POSTERIOR} "
                f"draws with columns {list(study.parameters)}; got {type(post).__name__}."
            )
        rows = rng.choice(len(frame), size=N_POSTERIOR, replace=True)
        block = frame.iloc[rows].reset_index(drop=True).copy()
        for p in study.parameters:
            block[p] = np.asarray(post[p], dtype=float)
        pieces.append(block)
    nb = model(pd.concat(pieces, ignore_index=True))  # one vectorised model call
    post_inc = (nb[:, 1:, :] - nb[:, :1, :]).reshape(q, N_POSTERIOR, *inc.shape[1:])
    for k in range(q):
        out[k] = _cov(post_inc[k])
    return out


def _fit_beta(var_red: np.ndarray, nfit: np.ndarray, var_fit: float) -> np.ndarray:
    """Least-squares ``beta`` in ``var_red ~ var_fit n / (n + beta)`` for rows of var_red (B, Q).

    A grid over ``log beta`` (1,201 points from 1e-3 to 1000 max n) finds the bracket of the
    minimum, then a finer grid of 41 points inside it (resolution ~0.1% in beta).
    """
    log_grid = np.linspace(np.log(1e-3), np.log(1e3 * nfit.max()), 1201)
    best = np.argmin(_beta_sse(var_red, nfit, var_fit, log_grid[None, :]), axis=1)
    lo = log_grid[np.maximum(best - 1, 0)]
    hi = log_grid[np.minimum(best + 1, log_grid.size - 1)]
    fine = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, 41)[None, :]  # (B, 41)
    pick = np.argmin(_beta_sse(var_red, nfit, var_fit, fine), axis=1)
    beta = np.exp(fine[np.arange(fine.shape[0]), pick])
    flat = var_red.std(axis=1) == 0
    return np.where(flat, 0.0, beta)  # voi: beta = 0 when the reduction does not vary


def _beta_sse(var_red: np.ndarray, nfit: np.ndarray, var_fit: float, log_beta: np.ndarray):
    """Sum of squares (B, L) of the variance-reduction curve at ``log_beta`` (1 or B, L)."""
    beta = np.exp(log_beta)[:, :, None]  # (., L, 1)
    curve = var_fit * nfit[None, None, :] / (nfit[None, None, :] + beta)  # (., L, Q)
    return ((var_red[:, None, :] - curve) ** 2).sum(axis=-1)


def _preposterior_cov(
    var_sim: np.ndarray,  # (B, Q, G, C, C)
    prior: np.ndarray,  # (G, C, C)
    var_fit: np.ndarray,  # (G, C, C)
    nfit: np.ndarray,
    sizes: list[int],
) -> np.ndarray:
    """Preposterior covariance per size: (K, B, G, C, C)."""
    n_boot, _, g, c, _ = var_sim.shape
    if len(sizes) == 1:
        return np.maximum(prior - var_sim.mean(axis=1), 0.0)[None]
    out = np.empty((len(sizes), n_boot, g, c, c))
    red = prior[None, None] - var_sim
    sz = np.asarray(sizes, dtype=float)
    for gi in range(g):
        for i in range(c):
            for j in range(i + 1):
                beta = _fit_beta(red[:, :, gi, i, j], nfit.astype(float), var_fit[gi, i, j])
                val = var_fit[gi, i, j] * sz[:, None] / (sz[:, None] + beta[None, :])
                out[:, :, gi, i, j] = out[:, :, gi, j, i] = val
    return out


def moment_matching(
    study: Any,
    frame: pd.DataFrame,
    nb: np.ndarray,
    fitted: np.ndarray,
    sizes: list[int],
    q: int,
    model: Callable[[pd.DataFrame], np.ndarray] | None,
    rng: np.random.Generator,
    se: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, pd.DataFrame]:
    """EVSI (K, G), SE (K, G), bootstrap draws (K, G, B) and diagnostics by moment matching.

    ``nb`` is (S, A, G) net benefit, ``fitted`` (S, (A-1)*G) the regression fit of the
    incremental net benefit on the study parameters; ``model`` maps a parameter DataFrame to
    (n, A, G) net benefit.
    """
    n_draws, n_actions, n_grid = nb.shape
    inc = nb[:, 1:, :] - nb[:, :1, :]
    g = fitted.reshape(n_draws, n_actions - 1, n_grid)
    sets = quantile_sets(frame, tuple(study.parameters), q, rng)
    nfit = fit_sizes(sizes, q)
    var_fit = _cov(g)
    if model is None:
        # reweighting the PSA draws: Var(INB | X) = Var(g | X) + Var(INB - g), and the residual
        # part does not depend on X, so weight the fitted values g (far less noisy when a
        # large study leaves few draws with weight) against the prior variance Var(g)
        var_post = posterior_covariances(study, frame, g, sets, nfit, None, rng)
        prior = var_fit
    else:
        var_post = posterior_covariances(study, frame, inc, sets, nfit, model, rng)
        prior = _cov(inc)
    boot_idx = [np.arange(q)]
    if se:
        boot_idx += list(rng.integers(0, q, size=(N_BOOT, q)))
    idx = np.stack(boot_idx)  # (1 + B, Q)
    if len(sizes) == 1:
        prep = _preposterior_cov(var_post[idx], prior, var_fit, nfit, sizes)
    else:  # refit beta on each bootstrap sample's own data-set sizes
        prep = np.concatenate(
            [
                _preposterior_cov(var_post[row][None], prior, var_fit, nfit[row], sizes)
                for row in idx
            ],
            axis=1,
        )
    mean = g.mean(axis=0)  # (C, G)
    values = np.empty((len(sizes), n_grid, idx.shape[0]))
    mc_sd = np.empty((len(sizes), n_grid))
    for gi in range(n_grid):
        s2inv = np.linalg.pinv(_sqrtm(var_fit[gi]))
        centred = g[:, :, gi] - mean[:, gi]
        for k in range(len(sizes)):
            shrink = np.stack([s2inv @ _sqrtm(prep[k, b, gi]) for b in range(idx.shape[0])])
            resc = np.einsum("sc,bce->seb", centred, shrink) + mean[None, :, gi, None]
            values[k, gi] = value_from_fitted(resc, n_actions)[0]
            mc_sd[k, gi] = _regret_sd(resc[:, :, 0]) / np.sqrt(n_draws)
    ratio = np.sqrt(
        np.trace(prep[:, 0], axis1=-2, axis2=-1)
        / np.maximum(np.trace(var_fit, axis1=-2, axis2=-1), np.finfo(float).tiny)
    )  # (K, G): voi's p_shrink (a trace ratio with several comparisons)
    diag = pd.DataFrame(
        {
            "n": np.repeat(sizes, n_grid),
            "grid": np.tile(np.arange(n_grid), len(sizes)),
            "n_datasets": q,
            "variance_ratio": ratio.ravel(),
        }
    )
    if not se:
        return values[..., 0], np.full(values.shape[:2], np.nan), None, diag
    # bootstrap over the Q data sets, plus the Monte-Carlo error of the mean over the S draws
    err = np.hypot(values[..., 1:].std(axis=-1, ddof=1), mc_sd)
    return values[..., 0], err, values[..., 1:], diag


def _regret_sd(inc: np.ndarray) -> float:
    """Sd over draws of the per-draw regret of the action with the highest mean (S, C)."""
    full = np.column_stack([np.zeros(inc.shape[0]), inc])
    chosen = int(np.argmax(full.mean(axis=0)))
    return float((full.max(axis=1) - full[:, chosen]).std(ddof=1))
