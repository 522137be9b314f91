"""Vectorised net-benefit engine: counts of positives per threshold for many replicates at once.

A patient with risk ``r`` is positive at threshold ``pt`` when ``r >= pt``; a risk of exactly 0
is never positive and a risk of exactly 1 always is (the convention of R dcurves, which nudges
0 and 1 by machine epsilon). Instead of looping over thresholds, each risk is mapped once to
its bin ``k`` = number of grid thresholds ``<= r`` (``np.searchsorted``); a patient is positive
at threshold ``j`` exactly when ``j < k``. A weighted ``np.bincount`` over (replicate, bin) and a
reversed cumulative sum then give the positives at every threshold: O(n log T) per replicate.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from decisionkit._options import chunk_values
from decisionkit.threshold._incidence import positive_incidence

# replicates are processed in chunks of at most this many (replicate x patient) values, so
# 1,000 draws x 10,000 patients never materialises more than ~16 MB of bin indices at once

STATS = ("tp_rate", "fp_rate", "pos_rate", "net_benefit")


def risk_bins(risks: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Bin index per risk: number of thresholds ``<= risk`` (0 for a risk of exactly 0)."""
    lut = _bin_lookup(thresholds)
    if lut is None:
        k = np.searchsorted(thresholds, risks, side="right").astype(np.int32)
    else:
        # lookup-table binning, exact and ~5x faster than a binary search: with a power-of-two
        # number of cells M, cell = floor(r * M) is exact in floating point; each cell holds
        # at most one threshold, so bins = (#thresholds <= cell edge) + (r >= next threshold)
        table, nxt, cells = lut
        cell = (risks * cells).astype(np.int32)
        k = table[cell]
        k += risks >= nxt[cell]
    k[risks == 0] = 0
    return k


def _bin_lookup(thresholds: np.ndarray):
    """Lookup table for :func:`risk_bins`, or None when thresholds are too close together."""
    gaps = np.diff(thresholds)
    min_gap = gaps.min() if gaps.size else 1.0
    if min_gap < 2.0 / (1 << 22):  # thresholds closer than a table cell (even 5e-324 apart)
        return None
    cells = 1 << max(8, int(np.ceil(np.log2(2.0 / min_gap))))
    edges = np.arange(cells + 1) / cells  # exact: cells is a power of two
    table = np.searchsorted(thresholds, edges, side="right").astype(np.int32)
    nxt = np.append(thresholds, np.inf)[table]  # the next threshold above each cell edge
    return table, nxt, cells


def positive_counts(k: np.ndarray, y: np.ndarray, n_thr: int) -> tuple[np.ndarray, np.ndarray]:
    """Positives among cases and among non-cases at each threshold, per replicate row.

    Parameters
    ----------
    k : ndarray of int, shape (R, n)
        Bin indices from :func:`risk_bins`.
    y : ndarray, shape (n,) or (R, n)
        Outcome (1 = case).
    n_thr : int
        Number of thresholds T.

    Returns
    -------
    tp, fp : ndarray, shape (R, T)
    """
    n_rows = k.shape[0]
    width = n_thr + 1
    # one integer bincount over (replicate, bin, outcome) instead of weighted passes
    flat = (k + width * np.arange(n_rows, dtype=np.int64)[:, None]) * 2
    flat += np.broadcast_to(y, k.shape).astype(np.int8)
    counts = np.bincount(flat.ravel(), minlength=n_rows * width * 2).reshape(n_rows, width, 2)
    cases, total = counts[:, :, 1], counts.sum(axis=2)
    # positives at threshold j = patients in bins j+1..T: reversed cumulative sum, drop bin 0
    tp = np.cumsum(cases[:, ::-1], axis=1)[:, ::-1][:, 1:]
    pos = np.cumsum(total[:, ::-1], axis=1)[:, ::-1][:, 1:]
    return tp, pos - tp


def km_positive_risk(
    k: np.ndarray, time: np.ndarray, event: np.ndarray, n_thr: int, horizon: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""Risk by ``horizon`` among the test positives at every threshold at once.

    ``event`` codes: 0 censored, 1 the event of interest, 2 a competing event. Without code 2
    this is the Kaplan-Meier risk :math:`1 - \hat S_j(h)`; with competing events it is the
    Aalen-Johansen cumulative incidence of the event of interest,

    .. math::

        \hat F_{1j}(h) = 1 - \hat S_j(h) - \sum_{u_l \le h} \hat S_j(u_l^-)
        \frac{d_{2lj}}{n_{lj}},\qquad
        \hat S_j(h) = \prod_{u_l \le h} \Bigl(1 - \frac{d_{lj}}{n_{lj}}\Bigr),

    with :math:`d_{lj}` events of any cause, :math:`d_{2lj}` competing events and
    :math:`n_{lj}` at risk at the distinct event time :math:`u_l` among test positives at
    threshold ``j`` (the cumulative incidences and :math:`\hat S` sum to one, so this is
    :math:`\sum_l \hat S_j(u_l^-) d_{1lj}/n_{lj}`; written this way it equals the
    Kaplan-Meier risk to the last bit when no competing event occurs, since then
    :math:`\hat F_{2j} = 0`).

    Test positives at threshold ``j`` are the patients with bin ``k > j``; one compiled pass
    over the patients sorted by time updates every threshold at once
    (:mod:`decisionkit.threshold._incidence`).

    Returns
    -------
    pos_rate : ndarray, shape (T,)
        Share of patients who test positive.
    risk : ndarray, shape (T,)
        Risk by the horizon among test positives; 0 when nobody tests positive and NaN when
        follow-up among test positives ends before the horizon (as dcurves).
    """
    n = k.shape[0]
    width = n_thr + 1
    n_pos = np.cumsum(np.bincount(k, minlength=width)[::-1])[::-1][1:].astype(float)
    surv, cif_other = positive_incidence(k, time, event, n_pos, horizon)
    risk = 1.0 - surv - cif_other
    # follow-up among test positives must reach the horizon (lifelines' timeline check)
    max_time = np.full(width, -np.inf)
    np.maximum.at(max_time, k, time)
    max_time = np.maximum.accumulate(max_time[::-1])[::-1][1:]
    risk = np.where(n_pos == 0, 0.0, np.where(max_time < horizon, np.nan, risk))
    return n_pos / n, risk


def replicate_chunks(
    risks: dict[str, np.ndarray],
    n: int,
    n_rep: int,
    *,
    bootstrap_rng: np.random.Generator | None,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Yield (draw rows, patient indices or None) for chunks of replicates."""
    step = chunk_values(2 * max(n, 1))
    for start in range(0, n_rep, step):
        rows = np.arange(start, min(n_rep, start + step))
        idx = None
        if bootstrap_rng is not None:
            idx = bootstrap_rng.integers(0, n, size=(rows.size, n))
        yield rows, idx


def evaluate(
    risks: dict[str, np.ndarray],
    y: np.ndarray,
    thresholds: np.ndarray,
    *,
    n_rep: int,
    bootstrap_rng: np.random.Generator | None,
    prevalence: float | None,
    harm: dict[str, float],
    survival: tuple[np.ndarray, float, np.ndarray] | None,
) -> dict[str, Any]:
    """Statistics per (replicate, strategy, threshold); strategies = models + all + none.

    Replicate ``r`` uses draw ``r % n_draws`` of each model with draws (point risks are used
    as they are) and, with ``bootstrap_rng``, a resample of the patients. ``survival`` is
    (follow-up times, horizon, status codes 0 censored / 1 event / 2 competing event).
    """
    names = list(risks)
    n_thr = thresholds.size
    n = y.size
    out: dict[str, Any] = {s: np.empty((n_rep, len(names) + 2, n_thr)) for s in STATS}
    prev_all = np.empty(n_rep)
    for rows, idx in replicate_chunks(risks, n, n_rep, bootstrap_rng=bootstrap_rng):
        yr = y if idx is None else y[idx]
        n_case = np.broadcast_to(yr, (rows.size, n)).sum(axis=1)
        for m, name in enumerate(names):
            arr = risks[name]
            cases = n_case
            if arr.shape[0] == 1 and idx is None:
                # point risks on the original patients: one row, broadcast over replicates
                k, cases = risk_bins(arr, thresholds), n_case[:1]
            else:
                k = risk_bins(arr[rows % arr.shape[0]], thresholds)
                if idx is not None:
                    k = np.take_along_axis(k, idx, axis=1)
            if survival is None:
                tp_rate, fp_rate = _binary_rates(k, yr, n_thr, cases, n, prevalence)
            else:
                tp_rate, fp_rate = _survival_rates(k, idx, survival, n_thr)
            out["tp_rate"][rows, m] = tp_rate
            out["fp_rate"][rows, m] = fp_rate
        if survival is None:
            prev = n_case / n if prevalence is None else np.full(rows.size, prevalence)
        else:
            # treat all: everyone positive; without resampling the KM risk is the same per row
            all_k = np.full((rows.size if idx is not None else 1, n), n_thr)
            tp_all, _ = _survival_rates(all_k, idx, survival, n_thr)
            prev = np.broadcast_to(tp_all[:, 0], rows.shape)
        prev_all[rows] = prev
        out["tp_rate"][rows, -2] = prev[:, None]
        out["fp_rate"][rows, -2] = 1 - prev[:, None]
        out["tp_rate"][rows, -1] = 0.0
        out["fp_rate"][rows, -1] = 0.0
    out["pos_rate"] = out["tp_rate"] + out["fp_rate"]
    w = thresholds / (1 - thresholds)
    harm_vec = np.array([harm[s] for s in [*names, "Treat all", "Treat none"]])
    out["net_benefit"] = out["tp_rate"] - w * out["fp_rate"] - harm_vec[None, :, None]
    out["prevalence"] = prev_all
    return out


def _binary_rates(k, yr, n_thr, n_case, n, prevalence):
    tp, fp = positive_counts(k, yr, n_thr)
    if prevalence is None:
        return tp / n, fp / n
    with np.errstate(divide="ignore", invalid="ignore"):
        n_ctrl = n - n_case
        return (
            tp / n_case[:, None] * prevalence,
            fp / n_ctrl[:, None] * (1 - prevalence),
        )


def _survival_rates(k, idx, survival, n_thr):
    # one KM pass per replicate: vectorised over patients and thresholds, looping over
    # replicates only (survival uncertainty is the rare, small case)
    time, horizon, status = survival
    tp = np.empty((k.shape[0], n_thr))
    fp = np.empty((k.shape[0], n_thr))
    for r in range(k.shape[0]):
        t, e = (time, status) if idx is None else (time[idx[r]], status[idx[r]])
        pos_rate, risk = km_positive_risk(np.asarray(k[r]), t, e, n_thr, horizon)
        tp[r] = risk * pos_rate
        fp[r] = (1 - risk) * pos_rate
    return tp, fp
