"""Multivariate adaptive regression splines (MARS) for regression-based EVPPI and EVSI.

Why hand-written: the R package voi offers ``method = "earth"`` (Milborrow's earth, a MARS
implementation) as its fast regression for many parameters. No maintained Python MARS exists:
py-earth (sklearn-contrib-py-earth) has had no release since 2017 and does not build on
current Python/NumPy, and the PyPI packages named "mars"/"pymars" are unrelated. MARS with the
cumulative-sum knot search below is ~200 lines of numpy, so it lives here.

Algorithm (Friedman 1991, as earth implements it):

* **Forward pass.** Start from the intercept. At each step, for every eligible parent term
  ``b`` (the intercept, and for ``degree >= 2`` terms of lower degree), every variable ``x``
  not already in the parent, and every candidate knot ``t``, consider adding the pair
  ``b (x - t)_+`` and ``b (t - x)_+``; add the pair that reduces the residual sum of squares
  most. Because ``b (x - t)_+ - b (t - x)_+ = b x - t b`` and ``b`` is already in the basis,
  the pair spans the same space as ``{b x, b (x - t)_+}``: the linear column is shared by all
  knots, and the reduction from ``b (x - t)_+`` for *every* knot at once follows from
  cumulative sums over the draws sorted by ``x`` (``sum_{x_i > t} b_i (x_i - t) v_i =
  S_1(t) - t S_0(t)``), an O(n) search per (parent, variable) instead of O(n) per knot
  (numpy cumulative sums for additive fits; one compiled numba pass per (parent, variable)
  with interactions, where the pairs multiply).
  Stop at ``max_terms`` terms or when R^2 improves by less than ``thresh`` (earth's
  defaults: ``nk = min(200, max(20, 2 p)) + 1``, ``thresh = 0.001``).
* **Backward pass.** Remove terms one at a time, each time the one whose removal raises the
  RSS least, and keep the subset with the smallest generalised cross-validation criterion
  ``GCV = RSS / n / (1 - C / n)^2`` with ``C = M + penalty (M - 1) / 2`` for ``M`` terms
  (``penalty`` 2 for additive models, 3 with interactions, as earth).
* Candidate knots respect earth's minimum span between knots and end span (Friedman 1991,
  eqs. 43 and 45, alpha = 0.05).

References
----------
Friedman JH. Multivariate adaptive regression splines. Annals of Statistics 1991;19:1-67.
Milborrow S. earth: Multivariate Adaptive Regression Splines. R package
(https://CRAN.R-project.org/package=earth); notes on the earth package, section 3 (pruning).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

__all__ = ["MarsModel", "fit_mars_column"]

_ALPHA = 0.05  # Friedman's (1991) significance level for minspan and endspan
_TOL = 1e-10  # relative size below which a residualised column is taken as collinear


@dataclass(frozen=True)
class MarsModel:
    """One fitted MARS model: its selected basis at the draws, coefficients and GCV.

    Attributes
    ----------
    basis : numpy.ndarray
        ``(n, M)`` selected basis functions evaluated at the draws (first column 1).
    coef : numpy.ndarray
        ``(M,)`` least-squares coefficients.
    terms : list of tuple
        Per selected term, the hinge factors ``(variable, knot, sign)`` (empty for the
        intercept); ``sign`` +1 is ``(x - knot)_+``, -1 is ``(knot - x)_+`` (standardised x).
    gcv : float
        Generalised cross-validation criterion of the selected model.
    sigma2 : float
        Residual variance ``RSS / (n - M)``.
    """

    basis: np.ndarray
    coef: np.ndarray
    terms: list[tuple[tuple[int, float, int], ...]]
    gcv: float
    sigma2: float

    @property
    def fitted(self) -> np.ndarray:
        """Fitted values at the draws."""
        return self.basis @ self.coef


def _spans(n_active: int, n_vars: int) -> tuple[int, int]:
    """Earth's minimum span between knots and end span (Friedman 1991, eqs. 43, 45)."""
    endspan = int(3 - np.log2(_ALPHA / n_vars))
    minspan = int(-np.log2(-(1.0 / (n_vars * n_active)) * np.log(1 - _ALPHA)) / 2.5)
    return max(minspan, 1), max(endspan, 1)


def _orthonormal_append(q: np.ndarray, col: np.ndarray) -> np.ndarray | None:
    """``col`` orthogonalised against the columns of ``q`` (twice) and normalised, or None."""
    norm0 = float(col @ col)
    if norm0 <= 0.0:
        return None
    v = col - q @ (q.T @ col)
    v = v - q @ (q.T @ v)  # re-orthogonalise: classical Gram-Schmidt loses orthogonality
    norm = float(v @ v)
    if norm <= _TOL * norm0:
        return None
    return v / np.sqrt(norm)


@cache
def _scan_kernel() -> Any:
    """Compile the knot scan on first use (numba; ``import decisionkit`` never loads it)."""
    import numba

    @numba.njit(cache=True, nogil=True)
    def scan(desc, xs, b, r, q, n_q, pos):  # pragma: no cover - compiled
        """RSS reduction of ``b (x - t)_+`` at each candidate knot, in one pass.

        ``desc`` lists the parent's active draws in descending ``x``; ``q[:, :n_q]`` is the
        orthonormal basis (with the linear column) and ``r`` the residual orthogonal to it.
        Running sums over the prefix ``x_i >= t`` give ``h't``-products for every knot.
        """
        s0 = np.zeros(n_q + 1)
        s1 = np.zeros(n_q + 1)
        c0 = c1 = c2 = 0.0
        red = np.full(pos.size, -np.inf)
        k = 0
        for i in range(desc.size):
            row = desc[i]
            bi, xi = b[row], xs[i]
            bx = bi * xi
            s0[0] += bi * r[row]
            s1[0] += bx * r[row]
            for m in range(n_q):
                v = q[row, m]
                s0[m + 1] += bi * v
                s1[m + 1] += bx * v
            b2 = bi * bi
            c0 += b2
            c1 += b2 * xi
            c2 += b2 * xi * xi
            while k < pos.size and pos[k] == i:
                hr = s1[0] - xi * s0[0]
                hh = c2 - 2.0 * xi * c1 + xi * xi * c0
                proj = 0.0
                for m in range(n_q):
                    h = s1[m + 1] - xi * s0[m + 1]
                    proj += h * h
                den = hh - proj
                if den > 1e-8 * max(hh, 1e-300):
                    red[k] = hr * hr / den
                k += 1
        return red

    return scan


def _scan_numpy(desc, xs, b, r, q, n_q, pos) -> np.ndarray:
    """The knot scan of :func:`_scan_kernel` with numpy cumulative sums (no compilation).

    Used for additive fits (one parent, the intercept), where it costs a few milliseconds
    and loading numba would cost more than the whole fit.
    """
    bs = b[desc]
    vals = np.column_stack([r[desc], q[desc, :n_q]])
    s0 = np.cumsum(bs[:, None] * vals, axis=0)[pos]
    s1 = np.cumsum((bs * xs)[:, None] * vals, axis=0)[pos]
    b2 = bs * bs
    c0, c1, c2 = (np.cumsum(b2 * xs**k)[pos] for k in range(3))
    t = xs[pos]
    hv = s1 - t[:, None] * s0  # h(t)' [r, q_1..q_M]
    hh = c2 - 2 * t * c1 + t * t * c0
    den = hh - np.einsum("ij,ij->i", hv[:, 1:], hv[:, 1:])
    ok = den > 1e-8 * np.maximum(hh, 1e-300)
    return np.where(ok, hv[:, 0] ** 2 / np.where(ok, den, 1.0), -np.inf)


def _best_knot(
    b: np.ndarray,
    x: np.ndarray,
    order: np.ndarray,
    q: np.ndarray,
    n_q: int,
    r: np.ndarray,
    n_vars: int,
    compiled: bool,
) -> tuple[float, float, np.ndarray | None]:
    """Best hinge pair on parent ``b`` and variable ``x``: (RSS reduction, knot, q_linear).

    ``q[:, :n_q]`` holds the current orthonormal basis (column ``n_q`` is scratch space) and
    ``r`` the current residual (orthogonal to it). Returns -inf when no knot is admissible.
    """
    rows = order[b[order] != 0.0]  # active draws of the parent, ascending in x
    n_act = rows.size
    minspan, endspan = _spans(n_act, n_vars)
    # candidate knots: positions (in descending order) at least endspan from either end,
    # every minspan-th draw; a draw tied with the knot contributes (x - t)_+ = 0 either way
    pos = np.arange(endspan - 1, n_act - endspan, minspan)
    if n_act < 2 * endspan + 1 or pos.size == 0:
        return -np.inf, np.nan, None
    # the linear column b x, shared by every knot on this (parent, variable)
    q_lin = _orthonormal_append(q[:, :n_q], b * x)
    n_aug, ra, red_lin = n_q, r, 0.0
    if q_lin is not None:
        proj = float(q_lin @ r)
        q[:, n_q] = q_lin
        n_aug, ra, red_lin = n_q + 1, r - proj * q_lin, proj**2
    desc = rows[::-1].copy()  # descending x: the draws with x_i > t form a prefix
    xs = x[desc]
    scan = _scan_kernel() if compiled else _scan_numpy
    red = scan(desc, xs, b, ra, q, n_aug, pos)
    k = int(np.argmax(red))
    if not np.isfinite(red[k]):
        return -np.inf, np.nan, None
    return red_lin + float(red[k]), float(xs[pos[k]]), q_lin


def _forward(
    x: np.ndarray, y: np.ndarray, degree: int, max_terms: int, thresh: float
) -> tuple[np.ndarray, list[tuple[tuple[int, float, int], ...]]]:
    """Forward pass: the basis matrix (n, M) and its terms."""
    n, p = x.shape
    orders = [np.argsort(x[:, j], kind="stable") for j in range(p)]
    cols = [np.ones(n)]
    terms: list[tuple[tuple[int, float, int], ...]] = [()]
    q = np.zeros((n, max_terms + 1))  # orthonormal basis in the first n_q columns, C order
    q[:, 0] = 1.0 / np.sqrt(n)
    n_q = 1
    r = y - y.mean()
    tss = float(r @ r)
    if tss <= 0.0:
        return np.column_stack(cols), terms
    rss = tss
    # with interactions the search visits (terms x variables) pairs per step: compile it
    compiled = degree > 1 and p > 1
    while len(cols) + 2 <= max_terms:
        best = (-np.inf, -1, -1, np.nan)
        for m, term in enumerate(terms):
            if len(term) >= degree:
                continue
            used = {f[0] for f in term}
            for j in range(p):
                if j in used:
                    continue
                red, knot, _ = _best_knot(cols[m], x[:, j], orders[j], q, n_q, r, p, compiled)
                if red > best[0]:
                    best = (red, m, j, knot)
        red, m, j, knot = best
        if not np.isfinite(red) or red / tss < thresh:
            break
        parent = cols[m]
        added = 0
        for sign in (1, -1):
            col = parent * np.maximum(sign * (x[:, j] - knot), 0.0)
            qc = _orthonormal_append(q[:, :n_q], col)
            if qc is None:
                continue
            cols.append(col)
            terms.append((*terms[m], (j, knot, sign)))
            q[:, n_q] = qc
            n_q += 1
            r = r - (qc @ r) * qc
            added += 1
        if added == 0:
            break
        rss = float(r @ r)
        if rss / tss <= thresh:  # R^2 >= 1 - thresh: earth stops there too
            break
    return np.column_stack(cols), terms


def _gcv(rss: float, n: int, n_terms: int, penalty: float) -> float:
    c = n_terms + penalty * (n_terms - 1) / 2.0
    return np.inf if c >= n else rss / n / (1.0 - c / n) ** 2


def _backward(
    basis: np.ndarray, y: np.ndarray, penalty: float
) -> tuple[list[int], np.ndarray, float, float]:
    """Backward elimination by GCV: (kept columns, coefficients, gcv, rss)."""
    n = basis.shape[0]
    keep = list(range(basis.shape[1]))
    best_keep, best_gcv = list(keep), np.inf
    while True:
        xk = basis[:, keep]
        xtx_inv = np.linalg.pinv(xk.T @ xk)
        coef = xtx_inv @ (xk.T @ y)
        resid = y - xk @ coef
        rss = float(resid @ resid)
        g = _gcv(rss, n, len(keep), penalty)
        if g < best_gcv:
            best_gcv, best_keep = g, list(keep)
        if len(keep) == 1:
            break
        # RSS increase from dropping term j (not the intercept): beta_j^2 / [(X'X)^-1]_jj
        diag = np.diag(xtx_inv)[1:]
        increase = coef[1:] ** 2 / np.where(diag > 0, diag, np.inf)
        keep.pop(1 + int(np.argmin(increase)))
    xk = basis[:, best_keep]
    coef, *_ = np.linalg.lstsq(xk, y, rcond=None)
    resid = y - xk @ coef
    return best_keep, coef, best_gcv, float(resid @ resid)


def fit_mars_column(
    x: np.ndarray,
    y: np.ndarray,
    *,
    degree: int = 1,
    max_terms: int | None = None,
    thresh: float = 0.001,
    penalty: float | None = None,
) -> MarsModel:
    """Fit MARS of one response ``y`` (n,) on ``x`` (n, p); see the module docstring.

    ``x`` is standardised internally (hinge functions are invariant to it; it keeps the
    cumulative sums well conditioned). Knots in :attr:`MarsModel.terms` are on that scale.
    """
    n, p = x.shape
    sd = x.std(axis=0)
    xs = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    if max_terms is None:
        max_terms = min(200, max(20, 2 * p)) + 1
    if penalty is None:
        penalty = 2.0 if degree == 1 else 3.0
    basis, terms = _forward(xs, y, degree, max_terms, thresh)
    keep, coef, gcv, rss = _backward(basis, y, penalty)
    sigma2 = rss / max(n - len(keep), 1)
    return MarsModel(basis[:, keep], coef, [terms[k] for k in keep], gcv, sigma2)
