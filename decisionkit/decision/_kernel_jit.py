"""The decision kernel's compiled loops (numba), imported on first use by ``_kernel``.

They live at module level, not in a function, so numba's on-disk cache (``cache=True``)
finds them again in every new process: functions created inside a function and calling each
other are closures, which numba recompiles (about 4.5 s of CPU) in every process - each
example, dashboard server, test worker and Dask worker paid that before.
``import decisionkit`` never imports this module.
"""

from __future__ import annotations

import numba
import numpy as np

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


@jit
def reduce_units(w, out):
    """:func:`reduce_block` without intervals for ``w`` laid out (draw, action, cell).

    Per-patient utilities arrive with the cells (units) last and contiguous: the loops run
    along them over 1-D rows (which the compiler vectorises), so each draw's values are read
    in memory order with the arithmetic of :func:`reduce_block` in the same order
    (bit-identical statistics) and no transposed copy. ``out`` is (cell, action, stat).
    Returns False if a value or a regret is not finite (a NaN or an infinity reaches the
    sums, which are checked at the end).
    """
    n, k, m = w.shape
    total = np.zeros((k, m))
    share = np.zeros((k, m))
    regret = np.zeros((k, m))
    sq = np.zeros((k, m))
    top = np.empty(m)
    ties = np.empty(m)
    inv = np.empty(m)
    for s in range(n):
        ws = w[s]
        top[:] = ws[0]
        for a in range(1, k):
            wa = ws[a]
            for c in range(m):
                v = wa[c]
                top[c] = v if v > top[c] else top[c]
        ties[:] = 0.0
        for a in range(k):
            wa, ta, ra = ws[a], total[a], regret[a]
            for c in range(m):
                v = wa[c]
                ta[c] += v
                ra[c] += top[c] - v
                ties[c] += 1.0 if v == top[c] else 0.0
        for c in range(m):
            inv[c] = 1.0 / ties[c]
        for a in range(k):
            wa, sa = ws[a], share[a]
            for c in range(m):
                sa[c] += inv[c] if wa[c] == top[c] else 0.0
    for a in range(k):
        for c in range(m):
            total[a, c] /= n
    for s in range(n):
        ws = w[s]
        for a in range(k):
            wa, ta, qa = ws[a], total[a], sq[a]
            for c in range(m):
                d = wa[c] - ta[c]
                qa[c] += d * d
    ok = True
    for c in range(m):
        for a in range(k):
            sd = np.sqrt(sq[a, c] / max(n - 1, 1))
            out[c, a, 0] = total[a, c]
            out[c, a, 1] = sd
            out[c, a, 2] = sd / np.sqrt(n)
            out[c, a, 3] = np.nan
            out[c, a, 4] = np.nan
            out[c, a, 5] = share[a, c] / n
            out[c, a, 6] = regret[a, c] / n
            if not (np.isfinite(out[c, a, 6]) and np.isfinite(sd) and np.isfinite(total[a, c])):
                ok = False
    return ok
