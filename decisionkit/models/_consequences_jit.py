"""Compiled loop of :func:`decisionkit.models.treatment_outcomes` (numba), imported on first use.

Written by hand because the three metrics are affine in the treated risk: one pass over the
risk draws writes events, cost and QALYs together, where numpy needs five passes over
arrays of ``draws x actions x patients`` and a temporary per step (the per-patient path is
bound by memory traffic). The arithmetic is the documented formula term by term in the same
order as numpy would evaluate it (no fused multiply-add: numba's default, not ``fastmath``),
so the results are bit-identical to the plain numpy expressions.
"""

from __future__ import annotations

import numba

jit = numba.njit(cache=True, nogil=True)


@numba.njit(cache=True, nogil=True, inline="always")
def treated_risk(p, t, treated, odds):
    """Risk under an action: ``p`` untreated, else ``t p`` or ``t p / (1 - p + t p)``.

    ``t`` is a relative risk, or an odds ratio when ``odds``.
    """
    if not treated:
        return p
    if odds:
        return t * p / (1.0 - p + t * p)
    return p * t


@numba.njit(cache=True, nogil=True, inline="always")
def metrics(e, c_treat, c_event, q_event, h_treat):
    """events, cost and QALYs of one draw, action and patient with (treated) risk ``e``."""
    return e, c_treat + c_event * e, -q_event * e - h_treat


@jit
def outcomes(p0, theta, odds, c_treat, h_treat, c_event, q_event, events, cost, qaly):
    """Fill ``events``, ``cost``, ``qaly`` (draw, action, unit) from risk ``p0`` (draw, unit).

    ``theta``, ``c_treat``, ``h_treat`` are (draw, action) with action 0 untreated (its
    theta is not used: its risk is ``p0`` itself); ``c_event``, ``q_event`` are (draw,).
    Returns the number of risks outside [0, 1] (or NaN) and of treated risks above 1.
    """
    n_draws, n_units = p0.shape
    n_actions = theta.shape[1]
    bad = 0
    over = 0
    for s in range(n_draws):
        ce = c_event[s]
        qe = q_event[s]
        for i in range(n_units):
            p = p0[s, i]
            if not (p >= 0.0 and p <= 1.0):
                bad += 1
        for a in range(n_actions):
            t = theta[s, a]
            ct = c_treat[s, a]
            ht = h_treat[s, a]
            for i in range(n_units):
                e = treated_risk(p0[s, i], t, a > 0, odds)
                if e > 1.0:
                    over += 1
                events[s, a, i], cost[s, a, i], qaly[s, a, i] = metrics(e, ct, ce, qe, ht)
    return bad, over
