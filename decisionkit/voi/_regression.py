"""Nonparametric regressions of incremental net benefit on parameters (for EVPPI and EVSI).

Each method maps a design ``x`` (n_draws, n_params) and responses ``y`` (n_draws, n_responses)
to fitted conditional means ``E[y | x]`` at the same draws, and optionally posterior draws of
those fitted values (for standard errors). The registry :data:`REGRESSIONS` names them.

Layering note: DESIGN.md says the decision layer never imports scikit-learn. For the "gp" and
"trees" methods that rule is relaxed to "decision never imports sklearn at module import time":
sklearn is imported lazily inside their fit functions. The default "gam" method is pure
numpy/scipy.

Why a hand-written penalised spline instead of a library: statsmodels is not a dependency
(and its ``GLMGam`` needs a fixed penalty weight or a slow generic search), pygam is
unmaintained, and interpret/formulaic do not fit penalised splines. A P-spline with a
closed-form GCV search over the smoothing parameter (one eigendecomposition, then O(p) per
candidate) is ~100 lines and faster than any of them for this narrow use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np
from scipy import linalg
from scipy.interpolate import BSpline

__all__ = [
    "REGRESSIONS",
    "RegressionFit",
    "fit_sadatsafavi",
    "fit_so",
    "gam_basis_size",
    "min_draws",
]

# marginal B-spline basis size per parameter for a tensor product of d parameters: the
# tensor basis has k**d columns (12, 64, 125, 256). mgcv's te() default is 5 per margin; for
# four parameters 4 per margin (a penalised tensor product of cubics) is 4-8x faster than 5
# and changed the chemo-model EVPPI of a four-parameter group by 0.05% (341.58 vs 341.42).
_GAM_MARGIN = {1: 12, 2: 8, 3: 5, 4: 4}
_LOG_LAMBDA = np.linspace(-8.0, 10.0, 73)  # GCV search grid for the smoothing parameter


@dataclass(frozen=True)
class RegressionFit:
    """Fitted conditional means and (optionally) posterior draws of them.

    Attributes
    ----------
    fitted : numpy.ndarray
        ``(n_draws, n_responses)`` fitted values ``E[y | x]``.
    samples : callable or None
        ``samples(n_sim, rng, rows=None) -> (n_rows, n_responses, n_sim)`` draws of the fitted
        values (at all draws or at the draws ``rows``) from the regression's approximate
        posterior, or None if the method has none.
    edf : numpy.ndarray or None
        Effective degrees of freedom per response (GAM only).
    """

    fitted: np.ndarray
    samples: Callable[..., np.ndarray] | None = None
    edf: np.ndarray | None = None


def gam_basis_size(n_params: int, n_distinct: Sequence[int] | None = None) -> int:
    """Number of columns of the tensor-product spline basis for ``n_params`` parameters.

    With ``n_distinct`` (distinct values per parameter), each margin is capped at its number
    of distinct values (see :func:`_margin_size`).
    """
    k = _GAM_MARGIN.get(n_params, 4)
    if n_distinct is None:
        return k**n_params
    return int(np.prod([_margin_size(k, m)[0] for m in n_distinct]))


def _margin_size(k: int, n_distinct: int) -> tuple[int, int]:
    """(basis columns, spline degree) of a margin whose variable takes ``n_distinct`` values.

    A summary statistic of a tiny study takes few values (events out of n = 3: four). A basis
    with more columns than distinct values is rank-deficient and its fit there is decided by
    the jitter, not the data (mgcv refuses such a fit: "insufficient unique values to
    support k knots"). The margin gets at most ``n_distinct`` columns, and below four
    distinct values a lower degree (two values: a straight line; three: a quadratic), so
    the basis can still represent any function of the statistic.
    """
    size = max(2, min(k, n_distinct))
    return size, min(3, size - 1)


def min_draws(method: str, n_params: int) -> int:
    """Smallest number of draws each regression method accepts."""
    if method == "gam":
        return max(50, 2 * gam_basis_size(n_params))
    if method == "trees":
        return 100
    if method in ("mars", "bart"):
        return 50
    return 20


def single_thread() -> AbstractContextManager:
    """Limit BLAS/OpenMP to one thread for the enclosed block (when threadpoolctl exists).

    The matrices here are small (at most 10,000 x 256); a multi-threaded BLAS spends more time
    waking threads than computing, and on a shared machine it was 5-10x slower (measured:
    one-parameter GAM EVPPI 67 ms with 2 OpenBLAS threads vs 6 ms with one).
    """
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:  # pragma: no cover - optional speed-up only
        return nullcontext()
    return threadpool_limits(limits=1)


# ---------------------------------------------------------------------- GAM (P-splines)
def _marginal_basis(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cubic B-spline basis with ``k`` columns, knots at quantiles of ``x``, and its penalty.

    Greville abscissae are the means of ``degree`` consecutive knots (any degree). At most
    one column per distinct value of ``x`` (see :func:`_margin_size`); the number of columns
    returned may therefore be smaller than ``k``.

    Knots sit at equally spaced quantiles of the draws (as mgcv places "cr" knots), so long
    tails get few knots and dense regions many. The penalty is on second *divided*
    differences of the coefficients at their Greville abscissae, so its null space is exactly
    the straight lines in ``x`` even though the knots are unequally spaced.
    """
    distinct = np.unique(x)
    k, degree = _margin_size(k, distinct.size)
    values = distinct if distinct.size < 200 else x
    # discrete summaries (event counts) have many ties: spread knots over distinct values
    inner = np.quantile(values, np.linspace(0.0, 1.0, k - degree + 1))
    inner = np.maximum.accumulate(inner)
    span = inner[-1] - inner[0]
    inner[1:] = np.maximum(inner[1:], inner[:-1] + 1e-9 * span)  # strictly increasing knots
    knots = np.concatenate([np.repeat(inner[0], degree), inner, np.repeat(inner[-1], degree)])
    basis = BSpline.design_matrix(np.clip(x, inner[0], inner[-1]), knots, degree).toarray()
    greville = np.convolve(knots[1:-1], np.ones(degree) / degree, mode="valid")[:k]
    scale = (greville - greville[0]) / (greville[-1] - greville[0])
    d1 = np.diff(np.eye(k), axis=0) / np.diff(scale)[:, None]
    d2 = np.diff(d1, axis=0)  # empty (no penalty) for a two-column, straight-line margin
    return basis, d2.T @ d2


def _tensor_design(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise Kronecker product of marginal bases and the summed Kronecker penalty.

    Every margin is penalised on its own [0, 1] Greville scale, so one smoothing parameter
    serves all margins (an isotropic simplification of mgcv's one lambda per margin).
    """
    n, d = x.shape
    k = _GAM_MARGIN.get(d, 4)
    design = np.ones((n, 1))
    pens = []
    for j in range(d):
        b, pen_j = _marginal_basis(x[:, j], k)
        design = (design[:, :, None] * b[:, None, :]).reshape(n, -1)
        norm = np.linalg.norm(pen_j)
        pens.append(pen_j / norm if norm > 0 else pen_j)
    sizes = [p.shape[0] for p in pens]
    pen = np.zeros((design.shape[1], design.shape[1]))
    for j in range(d):
        term = np.ones((1, 1))
        for i in range(d):
            term = np.kron(term, pens[j] if i == j else np.eye(sizes[i]))
        pen += term
    return design, pen


def fit_gam(x: np.ndarray, y: np.ndarray, rng: np.random.Generator | None = None) -> RegressionFit:
    """Penalised regression spline fit (see :func:`_fit_gam`), single-threaded BLAS."""
    with single_thread():
        fit = _fit_gam(x, y)
    inner = fit.samples
    assert inner is not None  # _fit_gam always returns posterior samples

    def samples(n_sim: int, gen: np.random.Generator, rows: np.ndarray | None = None):
        with single_thread():
            return inner(n_sim, gen, rows)

    return RegressionFit(fit.fitted, samples, fit.edf)


def _fit_gam(x: np.ndarray, y: np.ndarray) -> RegressionFit:
    """Penalised regression spline (P-spline) with the smoothing parameter chosen by GCV.

    Model: ``y = B(x) beta + e`` with ``B`` a cubic B-spline basis with quantile knots (a
    tensor product for several parameters) and penalty ``lambda * beta' S beta`` (second
    divided differences; summed over margins for a tensor product). With ``X'X = L L'`` and
    ``L^-1 S L^-T = U diag(s) U'``, the fitted values are ``F diag(1 / (1 + lambda s)) F' y``
    with ``F = X L^-T U`` (orthonormal columns), so GCV(lambda) = n RSS / (n - edf)^2 with
    edf = sum 1/(1 + lambda s) costs O(p) per candidate.
    Posterior of the fitted values (Wood 2017, section 6.10): ``F (w + diag(sqrt(sigma^2 /
    (1 + lambda s))) z)`` with ``z`` standard normal.

    References
    ----------
    Eilers PHC, Marx BD. Flexible smoothing with B-splines and penalties. Statistical Science
    1996;11:89-121. Wood SN. Generalized Additive Models, 2nd ed. CRC, 2017.
    """
    n = x.shape[0]
    design, pen = _tensor_design(x)
    xtx = design.T @ design
    jitter = 1e-9 * np.trace(xtx) / xtx.shape[0]
    chol = linalg.cholesky(xtx + jitter * np.eye(xtx.shape[0]), lower=True)
    m = linalg.solve_triangular(chol, linalg.solve_triangular(chol, pen, lower=True).T, lower=True)
    s, u_vec = linalg.eigh((m + m.T) / 2)
    s = np.clip(s, 0.0, None)
    # T = L^-T U maps eigen-coordinates to spline coefficients; F = X T is never formed
    t_mat = linalg.solve_triangular(chol, u_vec, lower=True, trans="T")
    z = t_mat.T @ (design.T @ y)  # F' y, (p, r)
    yy = np.einsum("ij,ij->j", y, y)
    lam = 10.0**_LOG_LAMBDA
    shrink = 1.0 / (1.0 + lam[:, None] * s[None, :])  # (L, p)
    z2 = z**2
    rss = yy[None, :] - 2 * shrink @ z2 + (shrink**2) @ z2  # (L, r)
    edf_grid = shrink.sum(axis=1)  # (L,)
    gcv = n * rss / (n - edf_grid[:, None]) ** 2
    best = np.argmin(gcv, axis=0)  # (r,)
    sh = shrink[best].T  # (p, r)
    w = z * sh
    fitted = design @ (t_mat @ w)
    edf = edf_grid[best]
    sigma2 = np.maximum(rss[best, np.arange(y.shape[1])], 0.0) / np.maximum(n - edf, 1.0)
    post_sd = np.sqrt(sigma2[None, :] * sh)  # (p, r)

    def samples(n_sim: int, gen: np.random.Generator, rows: np.ndarray | None = None) -> np.ndarray:
        eps = gen.standard_normal((w.shape[0], w.shape[1], n_sim))
        coef = w[:, :, None] + post_sd[:, :, None] * eps
        beta = np.einsum("pq,qrs->prs", t_mat, coef)
        rows_design = design if rows is None else design[rows]
        flat = rows_design @ beta.reshape(beta.shape[0], -1)
        return flat.reshape(rows_design.shape[0], *coef.shape[1:])

    return RegressionFit(fitted, samples, edf)


# ---------------------------------------------------------------------- Gaussian process
_GP_HYPER = 500  # draws on which the GP hyperparameters are estimated (voi: 30 p, at most 250)
_GP_FIT = 2000  # default draws the GP is conditioned on (exact GP: O(m^3) once)


def _sq_exp(a: np.ndarray, b: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Squared-exponential correlation ``exp(-sum_k ((a_ik - b_jk) / delta_k)^2)``."""
    a, b = a / delta, b / delta
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.exp(-np.maximum(d2, 0.0))


def _gp_log_posterior(theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Log marginal posterior of (log delta, log nu), beta and sigma^2 integrated out.

    Strong et al. (2014) / SAVI / voi's ``post.density``: mean ``H beta`` with ``H = [1, x]``,
    covariance ``sigma^2 (A + nu I)``; flat priors on beta and log delta, inverse gamma
    (0.001, 0.001) on sigma^2 and (0.001, 1) on nu.
    """
    n, p = x.shape
    delta, nu = np.exp(theta[:p]), float(np.exp(theta[p]))
    h = np.column_stack([np.ones(n), x])
    a = _sq_exp(x, x, delta)
    a[np.diag_indices(n)] += nu
    try:
        chol = linalg.cholesky(a, lower=True, check_finite=False)
    except linalg.LinAlgError:
        return -np.inf
    ty = linalg.solve_triangular(chol, y, lower=True, check_finite=False)
    th = linalg.solve_triangular(chol, h, lower=True, check_finite=False)
    hah = th.T @ th + 1e-7 * np.eye(p + 1)
    beta = np.linalg.solve(hah, th.T @ ty)
    resid_ss = float(ty @ ty - ty @ th @ beta)
    log_prior = -1.001 * np.log(nu) - 1.0 / nu
    _, logdet_hah = np.linalg.slogdet(hah)
    return float(
        -np.log(np.diag(chol)).sum()
        - 0.5 * logdet_hah
        - (n - p - 1 + 0.002) / 2 * np.log(max(resid_ss, 1e-300) / 2 + 0.001)
        + log_prior
    )


def _gp_hyperparameters(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Posterior mode of (log delta, log nu), by L-BFGS-B from voi's starting point 0."""
    from scipy.optimize import minimize

    p = x.shape[1]
    scale = y.std() or 1.0

    def objective(theta: np.ndarray) -> float:
        value = _gp_log_posterior(theta, x, y / scale)
        return -value if np.isfinite(value) else 1e300

    bounds = [(-4.0, 6.0)] * p + [(-12.0, 6.0)]
    best = minimize(objective, np.zeros(p + 1), method="L-BFGS-B", bounds=bounds)
    return np.asarray(best.x)


def fit_gp(
    x: np.ndarray, y: np.ndarray, rng: np.random.Generator, n_fit: int | None = None
) -> RegressionFit:
    """Gaussian-process regression with a linear mean (Strong, Oakley & Brennan 2014).

    Model, as voi's ``gp`` method (from SAVI): ``y = H beta + f(x) + e`` with ``H = [1, x]``,
    ``f`` a zero-mean GP with squared-exponential correlation ``exp(-sum_k (d_k /
    delta_k)^2)`` (one length-scale per parameter) and a nugget ``nu`` relative to the signal
    variance, on standardised parameters. Speed comes from voi's split:

    1. the hyperparameters (delta, nu) are the posterior mode on a random subsample of
       ``min(n, 500)`` draws (voi uses the first ``min(30 p, 250)``), by L-BFGS-B on the
       log posterior with beta and sigma^2 integrated out;
    2. with them fixed, the GP is conditioned once on ``n_fit`` draws (default
       ``min(n, 2000)``; one Cholesky factorisation) and its mean
       ``H beta + A(x, X) (A + nu I)^-1 (y - H beta)`` is predicted at every draw.

    The linear mean matters for EVPPI: a weak but real trend (voi's chemotherapy model,
    ``p_side_effects_t1``) survives as ``beta`` even when the marginal likelihood prefers a
    flat GP, where the previous constant-mean GP returned an EVPPI of 0.
    The intercept is finally set so the fitted values average to the mean of all ``n``
    draws (as least squares would), not only of the ``n_fit`` used in the fit.

    References
    ----------
    Strong M, Oakley JE, Brennan A. Estimating multiparameter partial expected value of perfect
    information from a probabilistic sensitivity analysis sample: a nonparametric regression
    approach. Medical Decision Making 2014;34:311-326.
    """
    n, d = x.shape
    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    m_fit = min(n, n_fit or _GP_FIT)
    m_hyp = min(m_fit, _GP_HYPER)
    fit_rows = np.sort(rng.choice(n, size=m_fit, replace=False)) if m_fit < n else np.arange(n)
    hyp_rows = np.sort(rng.choice(fit_rows, size=m_hyp, replace=False))
    xf = xs[fit_rows]
    h = np.column_stack([np.ones(m_fit), xf])
    fitted = np.empty_like(y, dtype=float)
    with single_thread():
        for r in range(y.shape[1]):  # one GP per response column (few: actions x wtp)
            theta = _gp_hyperparameters(xs[hyp_rows], y[hyp_rows, r])
            delta, nu = np.exp(theta[:d]), float(np.exp(theta[d]))
            a = _sq_exp(xf, xf, delta)
            a[np.diag_indices(m_fit)] += nu
            factor = linalg.cho_factor(a, lower=True, check_finite=False)
            ainv_h = linalg.cho_solve(factor, h, check_finite=False)
            ainv_y = linalg.cho_solve(factor, y[fit_rows, r], check_finite=False)
            beta = np.linalg.solve(h.T @ ainv_h + 1e-7 * np.eye(d + 1), h.T @ ainv_y)
            alpha = ainv_y - ainv_h @ beta  # (A + nu I)^-1 (y - H beta)
            for lo in range(0, n, 2000):  # cross-correlations in blocks of 2,000 draws
                block = xs[lo : lo + 2000]
                trend = beta[0] + block @ beta[1:]
                fitted[lo : lo + 2000, r] = trend + _sq_exp(block, xf, delta) @ alpha
            fitted[:, r] += y[:, r].mean() - fitted[:, r].mean()
    return RegressionFit(fitted)


# ---------------------------------------------------------------------- tree ensemble
def fit_trees(
    x: np.ndarray, y: np.ndarray, rng: np.random.Generator, n_folds: int = 5
) -> RegressionFit:
    """Gradient-boosted trees (scikit-learn, imported lazily) with cross-fitting.

    Each draw's fitted value comes from a model that did not see that draw (K-fold
    cross-fitting). Using in-sample fits of a flexible learner would let the fitted values
    carry the Monte-Carlo noise of y, and ``E[max_a fitted_a]`` would be biased upwards.
    This plays the role of voi's ``earth``/``bart`` options for many parameters.
    """
    from sklearn.ensemble import HistGradientBoostingRegressor  # lazy: see module note

    n = x.shape[0]
    folds = rng.permutation(n) % n_folds
    fitted = np.empty_like(y, dtype=float)
    # one OpenMP thread: on a shared machine the spinning thread pool is 50-100x slower
    with single_thread():
        for r in range(y.shape[1]):
            for f in range(n_folds):
                test = folds == f
                model = HistGradientBoostingRegressor(
                    max_iter=200,
                    learning_rate=0.1,
                    early_stopping=True,
                    validation_fraction=0.2,
                    n_iter_no_change=10,
                    min_samples_leaf=40,
                    random_state=int(rng.integers(2**31 - 1)),
                )
                model.fit(x[~test], y[~test, r])
                fitted[test, r] = model.predict(x[test])
    return RegressionFit(fitted)


# ---------------------------------------------------------------------- single-parameter methods
def fit_so(x: np.ndarray, y: np.ndarray, n_bins: int) -> np.ndarray:
    """Strong & Oakley (2013): order the draws by the parameter, average within bins."""
    n = x.shape[0]
    order = np.argsort(x[:, 0], kind="stable")
    bins = np.empty(n, dtype=np.intp)
    bins[order] = np.arange(n) * n_bins // n  # n_bins near-equal consecutive blocks
    sums = np.zeros((n_bins, y.shape[1]))
    np.add.at(sums, bins, y)
    counts = np.bincount(bins, minlength=n_bins)[:, None]
    return (sums / counts)[bins]


def fit_sadatsafavi(x: np.ndarray, y: np.ndarray, n_actions: int) -> np.ndarray:
    """Sadatsafavi et al. (2013): one split point of the ordered draws.

    With the draws sorted by the parameter, the split ``s`` maximising
    ``max_a sum_{i<=s} NB_ia + max_a sum_{i>s} NB_ia`` estimates where the optimal decision
    changes; the fitted value of each draw is its segment's mean (one separation point, voi's
    default ``n.seps = 1``), computed from cumulative sums for every ``s`` at once.
    """
    n = x.shape[0]
    order = np.argsort(x[:, 0], kind="stable")
    ys = y[order].reshape(n, n_actions - 1, -1)
    zero = np.zeros((n, 1, ys.shape[2]))
    nb = np.concatenate([zero, ys], axis=1)  # (n, A, G)
    left = np.cumsum(nb, axis=0)[:-1]  # split after row s (s = 0..n-2)
    right = nb.sum(axis=0)[None] - left
    total = left.max(axis=1) + right.max(axis=1)  # (n-1, G)
    split = np.argmax(total, axis=0)  # (G,)
    grid_idx = np.arange(ys.shape[2])
    left_mean = left[split, 1:, grid_idx].T / (split + 1)  # (A-1, G)
    right_mean = right[split, 1:, grid_idx].T / (n - split - 1)
    is_left = (np.arange(n)[:, None] <= split[None, :])[:, None, :]  # (n, 1, G)
    fitted_sorted = np.where(is_left, left_mean[None], right_mean[None])
    fitted = np.empty_like(fitted_sorted)
    fitted[order] = fitted_sorted
    return fitted.reshape(n, -1)


# ---------------------------------------------------------------------- MARS
def fit_mars(x: np.ndarray, y: np.ndarray, rng: np.random.Generator | None = None) -> RegressionFit:
    """Multivariate adaptive regression splines (:mod:`decisionkit.voi._mars`), per response.

    The analogue of voi's ``method = "earth"``: additive hinge functions for one parameter,
    and products of two hinges (``degree = 2``) for a group, so that interactions between
    the parameters of a group (which EVPPI of a group needs) are available; earth's own
    default is additive (``degree = 1``). Knots and terms are chosen by the forward pass and
    GCV pruning. ``samples`` draws the coefficients of the selected basis from their
    least-squares posterior ``N(beta, sigma^2 (B'B)^-1)``, which ignores the uncertainty of
    the knot selection (so the standard error is a lower bound).
    """
    from decisionkit.voi._mars import fit_mars_column

    degree = min(x.shape[1], 2)
    with single_thread():
        models = [fit_mars_column(x, y[:, r], degree=degree) for r in range(y.shape[1])]
    fitted = np.column_stack([m.fitted for m in models])

    def samples(n_sim: int, gen: np.random.Generator, rows: np.ndarray | None = None):
        out = np.empty((x.shape[0] if rows is None else len(rows), len(models), n_sim))
        with single_thread():
            for r, m in enumerate(models):
                basis = m.basis if rows is None else m.basis[rows]
                cov = m.sigma2 * np.linalg.pinv(m.basis.T @ m.basis)
                chol = np.linalg.cholesky(cov + 1e-12 * np.trace(cov) * np.eye(len(m.coef)))
                coef = m.coef[:, None] + chol @ gen.standard_normal((len(m.coef), n_sim))
                out[:, r, :] = basis @ coef
        return out

    return RegressionFit(fitted, samples, np.array([float(m.coef.size) for m in models]))


# ---------------------------------------------------------------------- BART
def fit_bart(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> RegressionFit:
    """BART (:mod:`decisionkit.voi._bart`, needs the ``bart`` extra): posterior mean fit.

    ``samples`` returns posterior draws of the fitted values (resampled when more are asked
    for than the 200 kept), so the EVPPI's standard error is its posterior sd, as voi's.
    """
    from decisionkit.voi._bart import fit_bart_draws

    post = np.stack(
        [fit_bart_draws(x, y[:, r], int(rng.integers(2**31 - 1))) for r in range(y.shape[1])],
        axis=-1,
    )  # (S, n, r)

    def samples(n_sim: int, gen: np.random.Generator, rows: np.ndarray | None = None):
        pick = gen.choice(post.shape[0], size=n_sim, replace=n_sim > post.shape[0])
        chosen = post[pick] if rows is None else post[pick][:, rows]
        return np.moveaxis(chosen, 0, -1)  # (n_rows, r, n_sim)

    return RegressionFit(post.mean(axis=0), samples)


REGRESSIONS: dict[str, Callable[..., RegressionFit]] = {
    "gam": fit_gam,
    "gp": fit_gp,
    "trees": fit_trees,
    "mars": fit_mars,
    "bart": fit_bart,
}
