r"""The decision kernel: the one place where utility draws are reduced over ``draw``.

Every result that reports expected utility, its sd and Monte-Carlo error, a central interval,
the probability of being best, the expected loss, :math:`E[\max]` or the EVPI calls this module
(``decide``, ``cea.analyze``, ``voi``, ``threshold``, ``capacity``, ``scale``); a test checks that
no other module computes them.

For utility draws :math:`U_{sa}` (draw :math:`s = 1..S`, action :math:`a`) and the action
:math:`a^*` with the highest expected utility:

- expected utility :math:`\bar U_a = \frac1S \sum_s U_{sa}`, sd and Monte-Carlo standard
  error (``sd / sqrt(S)`` for independent draws; the ESS-based MCSE of ArviZ when the draws come
  from MCMC chains);
- probability best :math:`P_a = \frac1S \sum_s 1[U_{sa} = \max_b U_{sb}] / \#\{b: U_{sb} =
  \max\}` (exact ties share the draw equally);
- expected loss :math:`L_a = \frac1S \sum_s (\max_b U_{sb} - U_{sa})`, the mean per-draw regret;
- EVPI :math:`= L_{a^*}`, the mean per-draw regret of the chosen action. It equals
  :math:`E[\max_a U] - \max_a \bar U_a` but is summed from non-negative terms, so it is never
  negative and does not cancel catastrophically when utilities are large (a shift of every
  utility by :math:`10^{12}` changes it only by the rounding of the shifted draws).

The work runs through :func:`xarray.apply_ufunc` with ``dask="parallelized"``: the same code
reduces numpy- and dask-backed arrays, chunked along any dim other than ``draw`` and ``action``.
Inside a block a compiled single pass (numba) visits each draw once; central intervals keep
only the values beyond a threshold per tail and select within them, never sorting or
partitioning whole columns. The threshold comes from a strided sample, or, along a grid (the
cells of a wtp dim), from the previous cell's tail draws: their largest value in this cell
certainly bounds the tail, and few other values pass it.

Where utility is linear in a grid, as net benefit :math:`\lambda E_{sa} - C_{sa}` is in
willingness to pay, :func:`net_benefit_grid` uses the structure: per draw, the best action
switches at most (actions - 1) times along the grid (the upper envelope of the lines), so P(best)
and the EVPI on the whole grid cost one envelope per draw instead of actions x grid evaluations.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import xarray as xr

from decisionkit._validation import finite_or_raise
from decisionkit.exceptions import ValidationError

__all__ = [
    "STATS",
    "check_finite",
    "lower_tail_mean",
    "net_benefit_grid",
    "prob_best",
    "quantile",
    "reduce_cells",
    "reduce_draws",
]

DRAW, ACTION = "draw", "action"
#: the per-action statistics of :func:`reduce_draws`, in the order of its ``stat`` dim
STATS = ("expected_utility", "sd", "mcse", "lower", "upper", "prob_best", "expected_loss")


# ---------------------------------------------------------------------------- checks
_OVERFLOW_HINT = (
    "Utilities must be finite: check the outcome draws, and rescale weights or willingness to "
    "pay whose products overflow float64 (about 1.8e308), e.g. express costs in thousands."
)


def check_finite(values: np.ndarray, what: str) -> None:
    """Raise a clear error when utility draws hold NaN or infinite values (e.g. overflow)."""
    finite_or_raise(values, what, _OVERFLOW_HINT)


# ---------------------------------------------------------------------------- compiled
@cache
def _compiled() -> Any:
    """Compile the numba kernels on first use (``import decisionkit`` never loads numba)."""
    import numba

    jit = numba.njit(cache=True, nogil=True)

    @jit
    def select(x, ix, n, kth):
        """Put the kth smallest of ``x[:n]`` at ``x[kth]``, smaller-or-equal ones before it.

        Quickselect in place with median-of-three pivots (no copy); ``ix`` (the draw of each
        value) is permuted alongside.
        """
        lo, hi = 0, n - 1
        while hi > lo:
            mid = (lo + hi) // 2
            if x[mid] < x[lo]:
                x[mid], x[lo] = x[lo], x[mid]
                ix[mid], ix[lo] = ix[lo], ix[mid]
            if x[hi] < x[lo]:
                x[hi], x[lo] = x[lo], x[hi]
                ix[hi], ix[lo] = ix[lo], ix[hi]
            if x[hi] < x[mid]:
                x[hi], x[mid] = x[mid], x[hi]
                ix[hi], ix[mid] = ix[mid], ix[hi]
            pivot = x[mid]
            i, j = lo, hi
            while i <= j:
                while x[i] < pivot:
                    i += 1
                while x[j] > pivot:
                    j -= 1
                if i <= j:
                    x[i], x[j] = x[j], x[i]
                    ix[i], ix[j] = ix[j], ix[i]
                    i += 1
                    j -= 1
            if kth <= j:
                hi = j
            elif kth >= i:
                lo = i
            else:
                return

    @jit
    def sample_thresholds(w, c, m_lo, m_hi, r, sample, six, lo_tau, hi_tau):
        """Starting thresholds of the two tails, from every (n // r)-th draw of each action.

        Above ``lo_tau`` (below ``-hi_tau``) lie the m_lo smallest (m_hi largest) values with
        high probability.
        """
        n, k = w.shape[1], w.shape[2]
        step = n // r
        for a in range(k):
            for i in range(r):
                sample[i] = w[c, i * step, a]
            for side in range(2):
                m = m_lo if side == 0 else m_hi
                f = m / n
                idx = int(np.ceil(r * f + 5.0 * np.sqrt(r * f * (1.0 - f)) + 2.0))
                if idx >= r:
                    continue  # the tail is a large share of the draws: no threshold
                if side == 0:
                    select(sample, six, r, idx)
                    lo_tau[a] = sample[idx]
                else:
                    select(sample, six, r, r - 1 - idx)
                    hi_tau[a] = -sample[r - 1 - idx]

    @jit
    def carried_thresholds(w, c, m, sign, prev, tau):
        """Thresholds that certainly hold the m smallest values of each action in cell ``c``.

        ``prev[a]`` holds the draws of the m smallest values (of ``sign * w``) in the previous
        cell: their largest value in this cell bounds the m smallest from above, so values
        strictly below its successor include all of them. Along a grid (wtp) the tails change
        little from one cell to the next, so few other values pass.
        """
        k = w.shape[2]
        for a in range(k):
            top = -np.inf
            for i in range(m):
                v = sign * w[c, prev[a, i], a]
                if v > top:
                    top = v
            tau[a] = np.nextafter(top, np.inf)

    @jit
    def tail_stats(x, ix, cnt, m):
        """The m-th and (m-1)-th smallest of ``x[:cnt]`` (m >= 1).

        Leaves the draws of the m smallest in ``ix[:m]``.
        """
        select(x, ix, cnt, m - 1)
        last = x[m - 1]
        before = last
        if m >= 2:
            before = x[0]
            for i in range(1, m - 1):
                if x[i] > before:
                    before = x[i]
        return last, before

    @jit
    def column_tails(w, c, a, t_lo, t_hi, lo_v, lo_i, hi_v, hi_i):
        """Values of action ``a`` in cell ``c`` below ``t_lo`` and negated values below ``t_hi``.

        Branch-free: every value is written, the count advances only when it passes.
        """
        nl = 0
        nh = 0
        for s in range(w.shape[1]):
            v = w[c, s, a]
            lo_v[nl] = v
            lo_i[nl] = s
            nl += v < t_lo
            hi_v[nh] = -v
            hi_i[nh] = s
            nh += -v < t_hi
        return nl, nh

    @jit
    def reduce_block(w, k_lo, k_hi, interval, out):
        """Statistics of ``w`` (cell, draw, action) into ``out`` (cell, action, stat).

        Returns False if a value or a regret is not finite.
        """
        n_cells, n, k = w.shape
        i_lo = int(np.floor(k_lo))
        i_hi = int(np.floor(k_hi))
        m_lo = min(i_lo + 2, n)  # the m_lo smallest values hold order stats i_lo, i_lo + 1
        m_hi = n - i_hi  # the m_hi largest hold i_hi and i_hi + 1
        size = n if interval else 0
        lo_v, hi_v = np.empty(size), np.empty(size)  # candidates for the two tails
        lo_i, hi_i = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
        lo_prev = np.empty((k, max(m_lo, 1)), dtype=np.int64)  # tails' draws, previous cell
        hi_prev = np.empty((k, max(m_hi, 1)), dtype=np.int64)
        lo_tau = np.empty(k)
        hi_tau = np.empty(k)
        n_sample = 512
        sample = np.empty(n_sample)
        six = np.empty(n_sample, dtype=np.int64)
        total = np.empty(k)
        share = np.empty(k)
        regret = np.empty(k)
        sq = np.empty(k)
        carry = False  # whether the previous cell's tails give this cell's thresholds
        for c in range(n_cells):
            total[:] = 0.0
            share[:] = 0.0
            regret[:] = 0.0
            for s in range(n):
                top = w[c, s, 0]
                for a in range(1, k):
                    if w[c, s, a] > top:
                        top = w[c, s, a]
                if not np.isfinite(top):
                    return False
                ties = 0
                for a in range(k):
                    v = w[c, s, a]
                    if not np.isfinite(v):
                        return False
                    total[a] += v
                    regret[a] += top - v
                    if v == top:
                        ties += 1
                for a in range(k):
                    if w[c, s, a] == top:
                        share[a] += 1.0 / ties
            for a in range(k):
                total[a] /= n
                sq[a] = 0.0
            for s in range(n):
                for a in range(k):
                    d = w[c, s, a] - total[a]
                    sq[a] += d * d
            for a in range(k):
                mean = total[a]
                sd = np.sqrt(sq[a] / max(n - 1, 1))
                out[c, a, 0] = mean
                out[c, a, 1] = sd
                out[c, a, 2] = sd / np.sqrt(n)
                out[c, a, 5] = share[a] / n
                out[c, a, 6] = regret[a] / n
                out[c, a, 3] = np.nan
                out[c, a, 4] = np.nan
                if not np.isfinite(out[c, a, 6]) or not np.isfinite(sd):
                    return False
            if not interval:
                continue
            # the interval: only the values below a threshold per tail are kept and selected
            lo_tau[:] = np.inf
            hi_tau[:] = np.inf
            if carry:
                carried_thresholds(w, c, m_lo, 1.0, lo_prev, lo_tau)
                carried_thresholds(w, c, m_hi, -1.0, hi_prev, hi_tau)
            elif n >= 4 * n_sample:
                # a high sample quantile of a strided sample; if it turns out too low (fewer
                # than m values below it, probability ~1e-5) the column is redone exactly
                sample_thresholds(w, c, m_lo, m_hi, n_sample, sample, six, lo_tau, hi_tau)
            passed = 0
            for a in range(k):
                nl, nh = column_tails(w, c, a, lo_tau[a], hi_tau[a], lo_v, lo_i, hi_v, hi_i)
                if nl < m_lo or nh < m_hi:  # a threshold was too low (rare): keep all
                    nl, nh = column_tails(w, c, a, np.inf, np.inf, lo_v, lo_i, hi_v, hi_i)
                passed += nl + nh
                if m_lo == i_lo + 2:  # the largest kept is order stat i_lo + 1
                    nxt, at = tail_stats(lo_v, lo_i, nl, m_lo)
                else:  # i_lo is the largest order statistic
                    at, _ = tail_stats(lo_v, lo_i, nl, m_lo)
                    nxt = at
                out[c, a, 3] = at + (k_lo - i_lo) * (nxt - at)
                first, second = tail_stats(hi_v, hi_i, nh, m_hi)
                at, nxt = -first, -second  # order stats i_hi and i_hi + 1
                out[c, a, 4] = at + (k_hi - i_hi) * (nxt - at)
                lo_prev[a, :m_lo] = lo_i[:m_lo]
                hi_prev[a, :m_hi] = hi_i[:m_hi]
            # carry the tails to the next cell while they stay selective (a grid such as
            # wtp); unrelated cells (units) pass many values and fall back to sampling
            carry = passed <= 3 * k * (m_lo + m_hi)
        return True

    @jit
    def envelope(effect, cost, wtp, chosen, share, regret):
        """Per-draw upper envelope of the lines ``wtp * e_a - c_a``.

        Accumulates P(best) into ``share`` (wtp + 1, action) as differences along wtp and the
        regret of the ``chosen`` action (one per wtp) into ``regret`` (wtp,).
        """
        n, k = effect.shape
        g = wtp.size
        order = np.empty(k, dtype=np.int64)
        hull = np.empty(k, dtype=np.int64)
        start = np.empty(k + 1, dtype=np.int64)
        nb = np.empty(k)
        run_end = np.empty(g, dtype=np.int64)  # end of the run of equal chosen[j] from j
        if g:
            run_end[g - 1] = g
        for j in range(g - 2, -1, -1):
            run_end[j] = run_end[j + 1] if chosen[j] == chosen[j + 1] else j + 1
        for s in range(n):
            e = effect[s]
            c = cost[s]
            # sort actions by slope (effect), then by cost (lower cost first), then index
            for a in range(k):
                order[a] = a
            for i in range(1, k):
                j = i
                while j > 0:
                    p, q = order[j - 1], order[j]
                    if e[p] > e[q] or (e[p] == e[q] and c[p] > c[q]):
                        order[j - 1], order[j] = q, p
                        j -= 1
                    else:
                        break
            # upper envelope over all wtp (convex hull trick), dropping dominated equal slopes
            m = 0
            for i in range(k):
                a = order[i]
                if m > 0 and e[hull[m - 1]] == e[a]:
                    continue  # same slope, higher or equal cost: never strictly above
                while m >= 2:
                    b, d = hull[m - 2], hull[m - 1]
                    # drop d if a overtakes b no later than d does
                    if (c[a] - c[b]) * (e[d] - e[b]) <= (c[d] - c[b]) * (e[a] - e[b]):
                        m -= 1
                    else:
                        break
                hull[m] = a
                m += 1
            # grid index where each hull line starts being best
            start[0] = 0
            for h in range(1, m):
                b, d = hull[h - 1], hull[h]
                x = (c[d] - c[b]) / (e[d] - e[b])
                start[h] = np.searchsorted(wtp, x, side="right")
                if start[h] < start[h - 1]:
                    start[h] = start[h - 1]
            start[m] = g
            for h in range(m):
                j0, j1 = start[h], start[h + 1]
                if j0 >= j1:
                    continue
                b = hull[h]
                # points next to a switch are evaluated exactly below (ties, rounding)
                lo = j0 + 1 if h > 0 else j0
                hi = j1 - 1 if h < m - 1 else j1
                if lo < hi:
                    # identical lines share the draw
                    same = 0
                    for a in range(k):
                        if e[a] == e[b] and c[a] == c[b]:
                            same += 1
                    for a in range(k):
                        if e[a] == e[b] and c[a] == c[b]:
                            share[lo, a] += 1.0 / same
                            share[hi, a] -= 1.0 / same
                    eb, cb = e[b], c[b]
                    # the chosen action is constant on runs of the grid: per run the regret
                    # is one line (no gather), and zero where b is the chosen action
                    j = lo
                    while j < hi:
                        ch = chosen[j]
                        stop = min(run_end[j], hi)
                        if ch != b:
                            de, dc = eb - e[ch], cb - c[ch]
                            for i in range(j, stop):
                                r = wtp[i] * de - dc
                                regret[i] += r if r > 0.0 else 0.0
                        j = stop
                for j in (j0, j1 - 1):
                    if (j == j0 and j < lo) or (j == j1 - 1 and j >= hi):
                        # exact: every action's net benefit as decide() computes it, so
                        # ties (e.g. a switch exactly on a grid point) are shared as there
                        top = -np.inf
                        for a in range(k):
                            nb[a] = wtp[j] * e[a] - c[a]
                            if nb[a] > top:
                                top = nb[a]
                        ties = 0
                        for a in range(k):
                            if nb[a] == top:
                                ties += 1
                        for a in range(k):
                            if nb[a] == top:
                                share[j, a] += 1.0 / ties
                                share[j + 1, a] -= 1.0 / ties
                        regret[j] += top - nb[chosen[j]]
                        if j0 == j1 - 1:
                            break

    return reduce_block, envelope


# ---------------------------------------------------------------------------- reductions
def _reduce_numpy(values: np.ndarray, *, prob: float | None, what: str) -> np.ndarray:
    """``values`` (..., draw, action) -> (..., action, stat) with the statistics of STATS."""
    reduce_block, _ = _compiled()
    lead = values.shape[:-2]
    n, k = values.shape[-2:]
    w = values.reshape((-1, n, k))
    if w.dtype != np.float64 or not (
        w.flags.c_contiguous or np.swapaxes(w, 1, 2).flags.c_contiguous
    ):
        # either layout is read in place (a wtp grid arrives draws-contiguous per action)
        w = np.ascontiguousarray(w, dtype=np.float64)
    out = np.empty((w.shape[0], k, len(STATS) + 1))
    p = 0.0 if prob is None else float(prob)
    k_lo, k_hi = (n - 1) * (1 - p) / 2, (n - 1) * (1 + p) / 2
    if not reduce_block(w, k_lo, k_hi, prob is not None, out):
        check_finite(w, what)
        raise ValidationError(
            f"{what} overflow when their differences are taken (regret beyond float64, about "
            "1.8e308). Rescale the utility, e.g. express costs in thousands."
        )
    # EVPI: the expected loss of the action with the highest mean (first on ties), repeated
    # along action so that it travels in the same block as the per-action statistics
    chosen = np.argmax(out[:, :, 0], axis=1)
    out[:, :, len(STATS)] = out[np.arange(out.shape[0]), chosen, 6][:, None]
    return out.reshape((*lead, k, len(STATS) + 1))


def reduce_draws(
    u: xr.DataArray,
    *,
    prob: float | None = 0.95,
    chain: np.ndarray | None = None,
    what: str = "The utility draws",
) -> xr.Dataset:
    """Per-action statistics (STATS) over ``draw`` and the EVPI, on numpy or dask data.

    Parameters
    ----------
    u : xarray.DataArray
        Utility draws with dims ``draw``, ``action`` and any others (kept; dask chunks along
        them are reduced block by block).
    prob : float or None
        Probability of the central (equal-tailed, linear-interpolation) interval; ``None``
        leaves ``lower``/``upper`` NaN.
    chain : 1-D int array, optional
        Chain of each draw when the draws come from MCMC (equal-length chains stored one after
        the other, as ``from_posterior`` stacks them). ``mcse`` then is ArviZ's ESS-based
        Monte-Carlo standard error of the mean instead of ``sd / sqrt(n)``.
    what : str
        How errors name the draws.

    Returns
    -------
    xarray.Dataset
        One variable per name in STATS (dims ``action`` and the other dims of ``u``) and
        ``evpi`` (the other dims), the mean regret of the action with the highest expected
        utility (the first such action on exact ties).
    """
    stats = xr.apply_ufunc(
        _reduce_numpy,
        u,
        input_core_dims=[[DRAW, ACTION]],
        output_core_dims=[[ACTION, "stat"]],
        kwargs={"prob": prob, "what": what},
        dask="parallelized",
        output_dtypes=[np.float64],
        dask_gufunc_kwargs={"output_sizes": {"stat": len(STATS) + 1}},
    )
    ds = xr.Dataset({name: stats.isel(stat=i, drop=True) for i, name in enumerate(STATS)})
    if chain is not None:
        ds["mcse"] = _mcse_chains(u, np.asarray(chain))
    ds["evpi"] = stats.isel({"stat": len(STATS), ACTION: 0}, drop=True)
    return ds


def reduce_cells(
    u: xr.DataArray,
    *,
    prob: float | None = 0.95,
    chain: np.ndarray | None = None,
    what: str = "The utility draws",
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """:func:`reduce_draws` as plain arrays: each statistic (action, cell) and the EVPI (cell,).

    Cells are the other dims of ``u`` in their order, flattened (C order). Numpy-backed draws
    go straight to the compiled pass (no xarray objects per call, so a chunked grid costs
    little per chunk); dask-backed draws build one graph and compute it once.
    """
    extra = [d for d in u.dims if d not in (DRAW, ACTION)]
    k = u.sizes[ACTION]
    if _is_dask(u.data):
        import dask

        u = u.chunk({DRAW: -1, ACTION: -1})  # each block holds every draw and action
        ds = reduce_draws(u, prob=prob, chain=chain, what=what).transpose(ACTION, *extra)
        (ds,) = dask.compute(ds)
        stats = {name: np.asarray(ds[name].values, float).reshape(k, -1) for name in STATS}
        return stats, np.asarray(ds["evpi"].values, float).reshape(-1)
    values = np.asarray(u.transpose(*extra, DRAW, ACTION).data)
    out = _reduce_numpy(values, prob=prob, what=what).reshape((-1, k, len(STATS) + 1))
    stats = {name: out[:, :, i].T for i, name in enumerate(STATS)}
    if chain is not None:
        mcse = _mcse_chains(u, np.asarray(chain)).transpose(ACTION, *extra).values
        stats["mcse"] = np.asarray(mcse, float).reshape(k, -1)
    return stats, out[:, 0, len(STATS)].copy()


def _mcse_chains(u: xr.DataArray, chain: np.ndarray) -> xr.DataArray:
    """ArviZ's ESS-based MCSE of the mean over (chain, draw)."""
    from arviz_stats.base import array_stats

    labels, counts = np.unique(chain, return_counts=True)
    if counts.min() != counts.max() or not np.array_equal(
        chain, np.repeat(chain[np.sort(np.unique(chain, return_index=True)[1])], counts[0])
    ):
        raise ValidationError(
            "The draws' chain labels must form equal-length consecutive blocks (as "
            "OutcomeDistribution.from_posterior stacks chain x draw)."
        )

    def fn(values: np.ndarray) -> np.ndarray:
        split = values.reshape((*values.shape[:-1], labels.size, counts[0]))
        return np.asarray(array_stats.mcse(split, method="mean", chain_axis=-2, draw_axis=-1))

    return xr.apply_ufunc(
        fn, u, input_core_dims=[[DRAW]], dask="parallelized", output_dtypes=[float]
    )


def prob_best(u: xr.DataArray) -> xr.DataArray:
    """Probability that each action has the highest utility (ties shared), over ``draw``."""
    return reduce_draws(u, prob=None)["prob_best"]


# ---------------------------------------------------------------------------- objectives
def quantile(u: xr.DataArray, level: float) -> xr.DataArray:
    """The ``level`` quantile over ``draw`` (numpy's linear definition)."""
    return u.quantile(level, dim=DRAW).drop_vars("quantile")


def lower_tail_mean(u: xr.DataArray, alpha: float) -> xr.DataArray:
    r"""CVaR: mean of the worst ``alpha`` fraction of draws (fractional last draw weighted)."""
    n = u.sizes[DRAW]
    k = alpha * n
    whole = int(np.floor(k))
    weights = np.zeros(n)
    weights[:whole] = 1.0
    if whole < n:
        weights[whole] = k - whole
    weights /= k

    def fn(values: np.ndarray) -> np.ndarray:
        return np.tensordot(np.sort(values, axis=-1), weights, axes=([-1], [0]))

    return xr.apply_ufunc(
        fn, u, input_core_dims=[[DRAW]], dask="parallelized", output_dtypes=[float]
    )


def objective_values(u: xr.DataArray, kind: str, level: float | None) -> xr.DataArray:
    """Objective per action: ``expected`` (mean), ``cvar`` (lower-tail mean) or ``quantile``."""
    if kind == "expected":
        return u.mean(DRAW)
    if kind == "quantile":
        return quantile(u, float(level))  # type: ignore[arg-type]
    return lower_tail_mean(u, float(level))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- linear grids
def net_benefit_grid(
    cost: np.ndarray, effect: np.ndarray, wtp: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""P(best), EVPI and :math:`E[\max_a NB]` of :math:`NB_{sa} = \lambda E_{sa} - C_{sa}`.

    Parameters
    ----------
    cost, effect : numpy.ndarray
        Draws ``(n_draws, n_actions)``.
    wtp : numpy.ndarray
        Strictly increasing grid ``(n_wtp,)``.

    Returns
    -------
    prob_best : (n_wtp, n_actions), ties shared as in :func:`reduce_draws`
    evpi : (n_wtp,), mean per-draw regret of the action with the highest expected NB
    expected_max : (n_wtp,), :math:`E[\max_a NB]` (expected NB of that action plus the EVPI)

    Notes
    -----
    Per draw the lines :math:`\lambda E_a - C_a` are sorted by slope and their upper envelope
    built (the convex hull trick), so each draw costs :math:`O(A \log A)` plus one pass over
    the grid for its regret. Grid points next to a switch of the best action are evaluated
    exactly (all actions), so exact ties there are shared as in :func:`reduce_draws`.
    """
    g = np.ascontiguousarray(wtp, dtype=np.float64)
    n = cost.shape[0]
    if _is_dask(cost) or _is_dask(effect):
        import dask
        import dask.array as da

        c_d = da.asarray(cost).rechunk({1: -1})
        e_d = da.asarray(effect).rechunk({0: c_d.chunks[0], 1: -1})
        mean_c, mean_e = dask.compute(c_d.mean(axis=0), e_d.mean(axis=0))
        enb, chosen = _chosen(g, mean_c, mean_e)
        parts = [
            dask.delayed(_envelope_sums)(cb, eb, g, chosen)
            for cb, eb in zip(c_d.to_delayed().ravel(), e_d.to_delayed().ravel(), strict=True)
        ]
        sums = dask.compute(*parts)
        share = sum(p[0] for p in sums)
        regret = sum(p[1] for p in sums)
    else:
        c = np.asarray(cost, dtype=np.float64)
        e = np.asarray(effect, dtype=np.float64)
        check_finite(c, "The cost draws")
        check_finite(e, "The effect draws")
        enb, chosen = _chosen(g, c.mean(axis=0), e.mean(axis=0))
        share, regret = _envelope_sums(c, e, g, chosen, checked=True)
    prob = np.cumsum(share[:-1], axis=0) / n
    evpi = regret / n
    if not np.isfinite(evpi).all():
        raise ValidationError(
            "Net benefit overflows float64 at this willingness to pay. Rescale costs or effects."
        )
    expected_max = enb[np.arange(g.size), chosen] + evpi
    return prob, evpi, expected_max


def _is_dask(x: Any) -> bool:
    return type(x).__module__.startswith("dask")


def _chosen(g: np.ndarray, mean_c: np.ndarray, mean_e: np.ndarray) -> tuple[np.ndarray, ...]:
    """Expected net benefit (wtp, action) and the chosen action per wtp (ties: first)."""
    with np.errstate(over="ignore", invalid="ignore"):  # refused just below
        enb = g[:, None] * mean_e[None, :] - mean_c[None, :]
    check_finite(enb, "The expected net benefits")
    return enb, np.argmax(enb, axis=1).astype(np.int64)


def _envelope_sums(
    cost: np.ndarray, effect: np.ndarray, g: np.ndarray, chosen: np.ndarray, checked: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Sums over the draws of a block: P(best) differences (wtp + 1, action), regret (wtp,)."""
    _, envelope = _compiled()
    c = np.ascontiguousarray(cost, dtype=np.float64)
    e = np.ascontiguousarray(effect, dtype=np.float64)
    if not checked:
        check_finite(c, "The cost draws")
        check_finite(e, "The effect draws")
    share = np.zeros((g.size + 1, c.shape[1]))
    regret = np.zeros(g.size)
    envelope(e, c, g, chosen, share, regret)
    return share, regret


# ---------------------------------------------------------------------------- plain arrays
def draw_terms(values: np.ndarray, axis: int = 1) -> tuple[np.ndarray, ...]:
    r"""Per-draw terms whose means are :math:`E[\max]`, P(best) and the expected loss.

    For callers that sum over draws themselves (the exact, mergeable sums of ``scale``).

    Parameters
    ----------
    values : numpy.ndarray
        Finite utility draws with actions along ``axis``.

    Returns
    -------
    top : the maximum over actions (``axis`` removed)
    ties : number of actions attaining it (``axis`` removed); an action's share of the draw
        is ``is_best / ties``
    is_best : boolean, same shape as ``values``
    regret : ``top - values`` (same shape as ``values``), non-negative
    """
    top = values.max(axis=axis)
    top_k = np.expand_dims(top, axis)
    is_best = values == top_k
    ties = is_best.sum(axis=axis)
    with np.errstate(over="ignore", invalid="ignore"):  # callers check the regret is finite
        regret = top_k - values
    return top, ties, is_best, regret


def mean_regret(values: np.ndarray, *, action_axis: int, draw_axis: int = 0) -> np.ndarray:
    """EVPI of plain utility draws: the mean regret of the action with the highest mean.

    Equals ``mean(max_a U) - max_a mean(U)`` (both over ``draw_axis``) but is a mean of
    non-negative terms. Other axes are kept (in their order, action and draw removed).
    """
    v = np.moveaxis(values, (draw_axis, action_axis), (0, 1))
    chosen = v.mean(axis=0).argmax(axis=0)
    top = v.max(axis=1)
    picked = np.take_along_axis(v, chosen[None, None], axis=1)[:, 0]
    return (top - picked).mean(axis=0)


def prob_best_array(values: np.ndarray, *, action_axis: int, draw_axis: int = 0) -> np.ndarray:
    """P(best) over ``draw_axis`` with ties shared; NaN counts as worst.

    A draw in which every action is NaN is left out; if all draws are, the result is NaN
    (used for bootstrap replicates of decision curves, where net benefit can be undefined).
    """
    v = np.moveaxis(values, (draw_axis, action_axis), (0, 1))
    filled = np.where(np.isnan(v), -np.inf, v)
    is_best = (filled == filled.max(axis=1, keepdims=True)) & np.isfinite(filled)
    count = is_best.sum(axis=1, keepdims=True)
    share = np.where(count > 0, is_best / np.maximum(count, 1), np.nan)
    return share.mean(axis=0)
