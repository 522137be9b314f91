"""Compiled inner loops of the microsimulation (numba).

Two kernels share one convention: every individual ``i`` of draw ``d`` meets the uniform
``u[d, s', i, t]`` when it leaves cycle ``t``, with ``s' = 0`` for every strategy under common
random numbers and ``s' = s`` otherwise; the next state is the first ``j`` with
``u < F_j`` where ``F`` is the cumulative transition row, normalised so that its last
entry is exactly 1 (inverse-CDF sampling of a categorical distribution).

``simulate_matrix`` runs a whole cohort-style model (transition rows depend only on the
draw, the strategy, the cycle and the current state) in one pass over individuals x
strategies x cycles, parallel over blocks of individuals. Each block owns its accumulators
(no races), so results do not depend on the number of threads. ``sample_rows`` is the one
step used by the general (per-individual) path, whose rows come from user functions.

numba is used because the natural form of an individual-level simulation is a loop over
individuals and cycles; numpy alone has to materialise ``(individuals, states)`` arrays at
every cycle (see ``benchmarks/bench_microsim.py`` for the comparison).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["cumulative_rows", "numpy_reference", "sample_rows", "simulate_matrix"]

N_METRICS = 3  # cost, qaly, life_years


def cumulative_rows(p: np.ndarray) -> np.ndarray:
    """Cumulative transition rows ``F`` along the last axis, last entry exactly 1."""
    cum = np.cumsum(p, axis=-1)
    total = cum[..., -1:].copy()
    total[total <= 0] = 1.0
    cum /= total
    return cum


@numba.njit(parallel=True, cache=True)
def simulate_matrix(
    cum, cost, util, ly, tcost, init, uni, block_draw, block_lo, block_hi, sums, cross, trace, hist
):  # pragma: no cover - compiled; exercised through Microsimulation.run
    """Simulate individuals of a chunk of draws through every strategy and cycle.

    Parameters (shapes; ``S`` strategies, ``D`` draws in the chunk, ``T`` cycles, ``k`` states,
    ``n`` individuals per draw, ``B`` blocks):
    cum (S, D, T, k, k) cumulative rows; cost, util (S, D, T+1, k) per-state rewards already
    multiplied by the within-cycle weight, discount factor and cycle length; ly (T+1, k);
    tcost (S, D, T, k, k) one-off transition costs already discounted (or shape (1,1,1,1,1)
    of zeros when the model has none); init (D, n) initial states; uni (D, S', n, T);
    block_draw/lo/hi (B,) the draw and the individual range of each block.
    Outputs, added to in place: sums (B, S, 3), cross (B, S, S, 3) (sums of products of the
    individual totals of two strategies), trace (B, S, T+1, k) counts; hist (D*n, S, T+1) the
    states, written when its first dimension is not 0.
    """
    n_s = cum.shape[0]
    t_max = cum.shape[2]
    k = cum.shape[3]
    crn = uni.shape[1] == 1
    has_tc = tcost.shape[0] > 1 or tcost.shape[2] > 1 or tcost.shape[3] > 1
    keep = hist.shape[0] > 0
    n = init.shape[1]
    for b in numba.prange(block_draw.shape[0]):
        d = block_draw[b]
        tot = np.empty((n_s, 3))
        for i in range(block_lo[b], block_hi[b]):
            for s in range(n_s):
                su = 0 if crn else s
                x = init[d, i]
                c = 0.0
                q = 0.0
                life = 0.0
                for t in range(t_max + 1):
                    trace[b, s, t, x] += 1
                    if keep:
                        hist[d * n + i, s, t] = x
                    c += cost[s, d, t, x]
                    q += util[s, d, t, x]
                    life += ly[t, x]
                    if t == t_max:
                        break
                    u = uni[d, su, i, t]
                    y = 0
                    while y < k - 1 and u >= cum[s, d, t, x, y]:
                        y += 1
                    if has_tc:
                        c += tcost[s, d, t, x, y]
                    x = y
                tot[s, 0] = c
                tot[s, 1] = q
                tot[s, 2] = life
            for s in range(n_s):
                for m in range(3):
                    sums[b, s, m] += tot[s, m]
                    for r in range(n_s):
                        cross[b, s, r, m] += tot[s, m] * tot[r, m]


@numba.njit(cache=True)
def sample_rows(rows, u, state, tol, out, exits):  # pragma: no cover - compiled
    """Check rows, draw one next state per individual and note which states have an exit.

    ``rows`` (m, k) are each individual's probabilities of moving from ``state`` to every
    state. A row is valid when every entry is in ``[-tol, 1 + tol]`` and it sums to 1 within
    ``tol``; the index of the first invalid row is returned (-1 if none; the caller then
    explains it). The next state is drawn by inverse CDF from the running sum of the row,
    so no cumulative array is built; ``exits[s]`` is set when someone in state ``s`` has a
    probability of leaving it above ``tol``.
    """
    m, k = rows.shape
    for i in range(m):
        total = 0.0
        for j in range(k):
            r = rows[i, j]
            if not (r >= -tol and r <= 1.0 + tol):  # NaN fails too
                return i
            total += r
        if abs(total - 1.0) > tol:
            return i
        if rows[i, state[i]] < 1.0 - tol:
            exits[state[i]] = True
        target = u[i] * total
        acc = 0.0
        y = k - 1
        for j in range(k - 1):
            acc += rows[i, j]
            if target < acc:
                y = j
                break
        out[i] = y
    return -1


def numpy_reference(p, cost, util, ly, init, uni):
    """Plain per-cycle numpy loop over all individuals (the benchmark baseline).

    ``p`` (S, T, k, k) transition matrices of one draw, ``cost``/``util`` (S, T+1, k) weighted
    rewards, ``ly`` (T+1, k), ``init`` (n,) initial states, ``uni`` (n, T) common uniforms.
    Returns the mean cost, QALYs and life years per strategy, shape (S, 3).
    """
    n_s, t_max, k = p.shape[0], p.shape[1], p.shape[2]
    out = np.zeros((n_s, 3))
    for s in range(n_s):
        x = init.copy()
        c = np.zeros(init.shape[0])
        q = np.zeros(init.shape[0])
        life = np.zeros(init.shape[0])
        for t in range(t_max + 1):
            c += cost[s, t, x]
            q += util[s, t, x]
            life += ly[t, x]
            if t == t_max:
                break
            cum = np.cumsum(p[s, t][x], axis=1)
            x = np.minimum((uni[:, t, None] >= cum).sum(axis=1), k - 1)
        out[s] = c.mean(), q.mean(), life.mean()
    return out
