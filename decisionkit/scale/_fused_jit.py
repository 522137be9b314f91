"""Per-patient utilities written and reduced a tile of patients at a time (numba).

Imported on first use by :mod:`decisionkit.scale._fused` and :class:`~decisionkit.scale.Policy`.
For treatment outcomes the formula is the one of :func:`decisionkit.models.treatment_outcomes`
(its compiled element functions from ``compiled_formula``, inlined) and the utility is
evaluated by its :attr:`~decisionkit.utility.Utility.steps`, in the same order of operations as
the utility's own function (no fused multiply-add), so every utility value is bit-identical to
the one built through the arrays. :func:`policy_tiles` does the same for a
:class:`~decisionkit.scale.Policy`'s utilities.
"""

from __future__ import annotations

import numba
import numpy as np

from decisionkit.decision._kernel import units_pass
from decisionkit.models.consequences import compiled_formula

reduce_units = units_pass()
treated_risk, metrics = compiled_formula()

# codes of Utility.steps' operations (see _fused.STEP_CODES)
SET, SCALE, ADD_SCALED, SUB, SUB_DIV = 0, 1, 2, 3, 4


@numba.njit(cache=True, nogil=True)
def fill(args, i0, i1, buf):
    """Write the utilities (draw, action, patient) of patients ``i0`` to ``i1`` into ``buf``.

    ``args``: risk (draw, patient); theta, cost of treating, QALYs lost by treating (draw,
    action); cost and QALYs lost per event (draw,); odds-ratio flag; the utility's step codes,
    metric indices (events, cost, qaly) and weights. Returns the number of risks outside
    [0, 1] (or NaN) plus treated risks above 1: non-zero refuses the tile.

    Each draw and action is a row of the tile: the metrics are computed into three short rows
    and the utility's steps applied row by row, loops without branches that the compiler
    vectorises (one step per value in the innermost loop would not be).
    """
    p0, theta, c_treat, h_treat, c_event, q_event, odds, codes, which, weights = args
    n, k = theta.shape
    w = i1 - i0
    rows = np.empty((3, w))
    bad = 0
    for s in range(n):
        ce = c_event[s]
        qe = q_event[s]
        p = p0[s, i0:i1]
        for c in range(w):
            bad += 0 if (p[c] >= 0.0 and p[c] <= 1.0) else 1
        for a in range(k):
            t = theta[s, a]
            ct = c_treat[s, a]
            ht = h_treat[s, a]
            ev, co, qa = rows[0], rows[1], rows[2]
            for c in range(w):
                e = treated_risk(p[c], t, a > 0, odds)
                bad += 1 if e > 1.0 else 0
                ev[c], co[c], qa[c] = metrics(e, ct, ce, qe, ht)
            u = buf[s, a]
            for j in range(codes.size):
                m = rows[which[j]]
                op = codes[j]
                wt = weights[j]
                if op == SET:
                    for c in range(w):
                        u[c] = m[c]
                elif op == SCALE:
                    for c in range(w):
                        u[c] = wt * m[c]
                elif op == ADD_SCALED:
                    for c in range(w):
                        u[c] = u[c] + wt * m[c]
                elif op == SUB:
                    for c in range(w):
                        u[c] = u[c] - m[c]
                else:
                    for c in range(w):
                        u[c] = u[c] - m[c] / wt
    return bad


@numba.njit(cache=True, nogil=True)
def reduce_tiles(args, width, out):
    """Per-patient statistics ``out`` (patient, action, stat), ``width`` patients a tile.

    Each tile's utilities are written by :func:`fill` into a buffer of about 1 MiB and
    reduced at once by the kernel's per-unit pass while they are still in the core's cache.
    Returns 0, 1 if :func:`fill` refused the inputs, 2 if a value or a regret is not finite.
    """
    n, k = args[1].shape
    m = args[0].shape[1]
    buf = np.empty((n, k, width))
    for i0 in range(0, m, width):
        i1 = min(m, i0 + width)
        tile = buf if i1 - i0 == width else np.empty((n, k, i1 - i0))
        if fill(args, i0, i1, tile) != 0:
            return 1
        if not reduce_units(tile, out[i0:i1]):
            return 2
    return 0


@numba.njit(cache=True, nogil=True)
def policy_tiles(args, width, out):
    """:func:`reduce_tiles` for a :class:`~decisionkit.scale.Policy`'s utilities.

    ``args``: risk (draw, patient) and per action ``base`` and ``slope``; the utility of an
    action is ``base + slope * risk`` (the policy's formula, in its order of operations).
    Returns 0, or 2 if a value or a regret is not finite.
    """
    risk, base, slope = args
    n, m = risk.shape
    k = base.size
    buf = np.empty((n, k, width))
    for i0 in range(0, m, width):
        i1 = min(m, i0 + width)
        tile = buf if i1 - i0 == width else np.empty((n, k, i1 - i0))
        for s in range(n):
            r = risk[s, i0:i1]
            for a in range(k):
                b = base[a]
                g = slope[a]
                row = tile[s, a]
                for c in range(i1 - i0):
                    row[c] = b + g * r[c]
        if not reduce_units(tile, out[i0:i1]):
            return 2
    return 0
