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
  S_1(t) - t S_0(t)``), an O(n) search per (parent, variable) instead of O(n) per knot.
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


def _best_knot(
    b: np.ndarray,
    x: np.ndarray,
    order: np.ndarray,
    q: np.ndarray,
    r: np.ndarray,
    n_vars: int,
) -> tuple[float, float, np.ndarray | None]:
    """Best hinge pair on parent ``b`` and variable ``x``: (RSS reduction, knot, q_linear).

    ``q`` holds the current orthonormal basis and ``r`` the current residual (orthogonal to
    ``q``). Returns reduction -inf when no admissible knot exists.
    """
    rows = order[b[order] != 0.0]  # active draws of the parent, ascending in x
    n_act = rows.size
    minspan, endspan = _spans(n_act, n_vars)
    if n_act < 2 * endspan + 1:
        return -np.inf, np.nan, None
    # the linear column b x, shared by every knot on this (parent, variable)
    q_lin = _orthonormal_append(q, b * x)
    if q_lin is None:
        qa, ra, red_lin = q, r, 0.0
    else:
        proj = float(q_lin @ r)
        qa, ra, red_lin = np.column_stack([q, q_lin]), r - proj * q_lin, proj**2
    desc = rows[::-1]  # descending x: the draws with x_i > t form a prefix
    xs, bs = x[desc], b[desc]
    vals = np.column_stack([ra[desc], qa[desc]])  # (n_act, 1 + M)
    s0 = np.cumsum(bs[:, None] * vals, axis=0)
    s1 = np.cumsum((bs * xs)[:, None] * vals, axis=0)
    b2 = bs * bs
    c0, c1, c2 = np.cumsum(b2), np.cumsum(b2 * xs), np.cumsum(b2 * xs * xs)
    # candidate knots: positions (in descending order) at least endspan from either end,
    # every minspan-th draw; a draw tied with the knot contributes (x - t)_+ = 0 either way
    pos = np.arange(endspan - 1, n_act - endspan, minspan)
    if pos.size == 0:
        return -np.inf, np.nan, None
    t = xs[pos]
    hv = s1[pos] - t[:, None] * s0[pos]  # h(t)' [r, q_1..q_M]
    hh = c2[pos] - 2 * t * c1[pos] + t * t * c0[pos]
    den = hh - np.einsum("ij,ij->i", hv[:, 1:], hv[:, 1:])
    ok = den > 1e-8 * np.maximum(hh, np.finfo(float).tiny)
    red = np.where(ok, hv[:, 0] ** 2 / np.where(ok, den, 1.0), -np.inf)
    k = int(np.argmax(red))
    if not np.isfinite(red[k]):
        return -np.inf, np.nan, None
    return red_lin + float(red[k]), float(t[k]), q_lin


def _forward(
    x: np.ndarray, y: np.ndarray, degree: int, max_terms: int, thresh: float
) -> tuple[np.ndarray, list[tuple[tuple[int, float, int], ...]]]:
    """Forward pass: the basis matrix (n, M) and its terms."""
    n, p = x.shape
    orders = [np.argsort(x[:, j], kind="stable") for j in range(p)]
    cols = [np.ones(n)]
    terms: list[tuple[tuple[int, float, int], ...]] = [()]
    q = np.ones((n, 1)) / np.sqrt(n)
    r = y - y.mean()
    tss = float(r @ r)
    if tss <= 0.0:
        return np.column_stack(cols), terms
    rss = tss
    while len(cols) + 2 <= max_terms:
        best = (-np.inf, -1, -1, np.nan)
        for m, term in enumerate(terms):
            if len(term) >= degree:
                continue
            used = {f[0] for f in term}
            for j in range(p):
                if j in used:
                    continue
                red, knot, _ = _best_knot(cols[m], x[:, j], orders[j], q, r, p)
                if red > best[0]:
                    best = (red, m, j, knot)
        red, m, j, knot = best
        if not np.isfinite(red) or red / tss < thresh:
            break
        parent = cols[m]
        added = 0
        for sign in (1, -1):
            col = parent * np.maximum(sign * (x[:, j] - knot), 0.0)
            qc = _orthonormal_append(q, col)
            if qc is None:
                continue
            cols.append(col)
            terms.append((*terms[m], (j, knot, sign)))
            q = np.column_stack([q, qc])
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
