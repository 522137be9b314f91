"""Compiled risk by a horizon among test positives at every threshold (KM or Aalen-Johansen).

One pass over the patients sorted by follow-up time updates, at each distinct event time, the
at-risk counts, the all-cause survival and the competing cumulative incidence of every
threshold whose test positives are touched. A patient in bin ``k`` is positive at the
thresholds ``j < k``, so a group of tied times costs O(group size + largest bin in the group):
O(n log n + n T) in all, without the (event time x threshold) arrays of a histogram method.
numba compiles it on first use (``import decisionkit`` never loads numba).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np


@cache
def _compiled() -> Any:
    import numba

    @numba.njit(cache=True, nogil=True)
    def incidence(time, bins, status, at_risk, horizon):  # pragma: no cover - compiled
        n_thr = at_risk.size
        surv = np.ones(n_thr)
        cif2 = np.zeros(n_thr)
        ev = np.zeros(n_thr + 1)
        ev2 = np.zeros(n_thr + 1)
        leave = np.zeros(n_thr + 1)
        n = time.size
        i = 0
        while i < n and time[i] <= horizon:
            # the group of patients with this follow-up time
            j = i
            top = 0
            any_event = False
            while j < n and time[j] == time[i]:
                k = bins[j]
                leave[k] += 1.0
                if status[j] != 0:
                    ev[k] += 1.0
                    any_event = True
                    if status[j] == 2:
                        ev2[k] += 1.0
                top = max(top, k)
                j += 1
            # positives at threshold t are the bins above t: running sums from the top bin down
            d = 0.0
            d2 = 0.0
            gone = 0.0
            for t in range(top - 1, -1, -1):
                d += ev[t + 1]
                d2 += ev2[t + 1]
                gone += leave[t + 1]
                if any_event and d > 0.0:
                    n_t = at_risk[t]
                    if d2 > 0.0:
                        cif2[t] += surv[t] * d2 / n_t  # S(u-) times the competing hazard
                    surv[t] *= 1.0 - d / n_t
                at_risk[t] -= gone
            for t in range(top + 1):
                ev[t] = 0.0
                ev2[t] = 0.0
                leave[t] = 0.0
            i = j
        return surv, cif2

    return incidence


def positive_incidence(
    bins: np.ndarray, time: np.ndarray, status: np.ndarray, n_pos: np.ndarray, horizon: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""All-cause survival and competing cumulative incidence by ``horizon`` per threshold.

    Parameters
    ----------
    bins : ndarray of int, shape (n,)
        Risk bins (a patient is positive at thresholds ``j < bins``).
    time, status : ndarray, shape (n,)
        Follow-up times and codes 0 censored, 1 event of interest, 2 competing event.
    n_pos : ndarray, shape (T,)
        Test positives per threshold.
    horizon : float

    Returns
    -------
    surv, cif_competing : ndarray, shape (T,)
        :math:`\hat S_j(h)` (Kaplan-Meier, any cause) and :math:`\hat F_{2j}(h)`; the
        incidence of the event of interest is ``1 - surv - cif_competing``.
    """
    order = np.argsort(time, kind="stable")
    return _compiled()(
        np.ascontiguousarray(time[order], dtype=np.float64),
        np.ascontiguousarray(bins[order], dtype=np.int64),
        np.ascontiguousarray(status[order], dtype=np.int8),
        n_pos.astype(np.float64),  # a copy: the kernel counts it down
        float(horizon),
    )
