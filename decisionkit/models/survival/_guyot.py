r"""Reconstruct individual patient data from a published Kaplan-Meier curve (Guyot et al. 2012).

Input: points digitised from the curve :math:`(t_k, S_k)`, the numbers at risk
:math:`n_i` printed under it at times :math:`\tau_i`, and optionally the total number of
events. Within each risk interval :math:`[\tau_i, \tau_{i+1})` the algorithm guesses the
number censored, spreads those censorings evenly, derives the events at each digitised time
from the drop in the curve (:math:`d_k = \mathrm{round}\{n_k (1 - S_k / \hat S_{last})\}`),
and adjusts the number censored until the implied number at risk at :math:`\tau_{i+1}`
matches the published one. The last interval, having no number at risk at its end, takes the
average censoring rate of the earlier ones, or is adjusted to the total events if given.

Hand-written: no Python package implements it (R has IPDfromKM and the authors' script);
this is a line-by-line port of the authors' published R code with 0-based indices, capped
loops, and guards against empty risk sets.

References
----------
Guyot, P., Ades, A. E., Ouwens, M. J. N. M. and Welton, N. J. (2012). Enhanced secondary
analysis of survival data: reconstructing the data from published Kaplan-Meier survival
curves. *BMC Medical Research Methodology* 12, 9. doi:10.1186/1471-2288-12-9
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import check_number, fail, validate_params
from decisionkit.exceptions import ValidationError

__all__ = ["reconstruct_ipd"]

_MAX_ITER = 10_000


def _vector(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise fail(name, "a 1-D array of numbers", values) from None
    if arr.ndim != 1 or arr.size == 0 or not np.isfinite(arr).all():
        raise fail(name, "a non-empty 1-D array of finite numbers", values)
    return arr


def _prepare_curve(times: Any, survival: Any) -> tuple[np.ndarray, np.ndarray]:
    t = _vector(times, "times")
    s = _vector(survival, "survival")
    if len(t) != len(s):
        raise ValidationError(
            f"reconstruct_ipd: 'times' has {len(t)} points but 'survival' has {len(s)}; "
            "give one survival value per digitised time."
        )
    if (t < 0).any():
        raise fail("times", "non-negative", t[t < 0][0])
    if (s < 0).any() or (s > 1).any():
        hint = " It looks like percentages: divide by 100." if s.max() <= 100 else ""
        raise fail("survival", "proportions in [0, 1]", s.max(), hint=hint.strip())
    order = np.lexsort((-s, t))  # by time, then decreasing survival
    t, s = t[order], s[order]
    s = np.minimum.accumulate(s)  # digitising noise can make the curve rise: clamp it
    # repeated times (the two ends of a vertical drop): keep the lowest survival
    keep = np.append(t[1:] != t[:-1], True)
    t, s = t[keep], s[keep]
    if t[0] > 0:
        t, s = np.insert(t, 0, 0.0), np.insert(s, 0, 1.0)
    else:
        s[0] = 1.0
    return t, s


def _hist(values: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """R's ``hist(values, breaks)$counts``: right-closed bins, the first one closed."""
    idx = np.searchsorted(breaks, values, side="left") - 1
    idx = np.clip(idx, 0, len(breaks) - 2)
    return np.bincount(idx, minlength=len(breaks) - 1)


def _spread(n: int, start: float, stop: float, breaks: np.ndarray) -> np.ndarray:
    cen_t = start + np.arange(1, n + 1) * (stop - start) / (n + 1)
    return _hist(cen_t, breaks)


@validate_params()
def reconstruct_ipd(
    times: Any,
    survival: Any,
    *,
    risk_times: Any,
    n_risk: Any,
    total_events: int | None = None,
) -> pd.DataFrame:
    """Rebuild individual times and events from a digitised Kaplan-Meier curve.

    Parameters
    ----------
    times, survival : array-like
        Digitised points of the curve (any order; survival as proportions). Points are
        sorted, clamped to be non-increasing and a point (0, 1) is added if missing.
    risk_times, n_risk : array-like
        The numbers-at-risk table: times (the first must be 0) and counts.
    total_events : int, optional
        Total number of events, if the publication reports it; improves the last interval.

    Returns
    -------
    DataFrame
        ``time, event`` (1 = event, 0 = censored), one row per patient (``n_risk[0]`` rows),
        ready for :meth:`SurvivalData.from_frame`.

    Examples
    --------
    >>> ipd = reconstruct_ipd([0, 1, 2, 3], [1, 0.8, 0.6, 0.5], risk_times=[0, 2], n_risk=[10, 6])
    >>> len(ipd), int(ipd["event"].sum())
    (10, 5)
    """
    t_s, surv = _prepare_curve(times, survival)
    t_risk = _vector(risk_times, "risk_times")
    n_r = _vector(n_risk, "n_risk")
    if len(t_risk) != len(n_r):
        raise ValidationError(
            f"reconstruct_ipd: {len(t_risk)} risk times but {len(n_r)} numbers at risk; "
            "give one count per time of the risk table."
        )
    if t_risk[0] != 0 or np.any(np.diff(t_risk) <= 0):
        raise fail("risk_times", "strictly increasing and starting at 0", t_risk)
    if np.any(n_r < 0) or np.any(n_r != np.round(n_r)) or np.any(np.diff(n_r) > 0) or n_r[0] < 1:
        raise fail("n_risk", "non-increasing whole numbers, the first >= 1", n_r)
    if total_events is not None:
        total_events = int(check_number(total_events, "total_events", low=0, integer=True))
        if total_events > n_r[0]:
            raise fail("total_events", f"at most n_risk[0] = {int(n_r[0])}", total_events)
    # risk times after the last digitised point carry no information about the curve
    keep = t_risk <= t_s[-1]
    t_risk, n_r = t_risk[keep], n_r[keep].astype(np.int64)
    lower = np.searchsorted(t_s, t_risk, side="left")
    upper = np.append(np.searchsorted(t_s, t_risk[1:], side="left") - 1, len(t_s) - 1)
    empty = np.flatnonzero(lower > upper)
    if len(empty):
        i = int(empty[0])
        raise ValidationError(
            f"reconstruct_ipd: no digitised point lies in the risk interval starting at "
            f"{t_risk[i]:g}. Digitise at least one point per interval of the risk table."
        )
    d, cen = _guyot(t_s, surv, lower, upper, n_r.copy(), total_events)
    n_total = int(n_r[0])
    event_times = np.repeat(t_s, d)
    mids = (t_s[:-1] + t_s[1:]) / 2
    cens_times = np.repeat(mids, cen[:-1])
    n_rest = n_total - len(event_times) - len(cens_times)
    time = np.concatenate([event_times, cens_times, np.full(max(n_rest, 0), t_s[-1])])
    event = np.concatenate([np.ones(len(event_times)), np.zeros(len(time) - len(event_times))])
    return pd.DataFrame({"time": time[:n_total], "event": event[:n_total].astype(int)})


def _guyot(t_s, surv, lower, upper, n_risk, tot_events):
    n_int = len(n_risk)
    n_t = int(upper[-1]) + 1
    n_censor = np.zeros(n_int, dtype=np.int64)
    n_hat = np.full(n_t + 1, n_risk[0] + 1, dtype=np.int64)
    cen = np.zeros(n_t, dtype=np.int64)
    d = np.zeros(n_t, dtype=np.int64)
    km_hat = np.ones(n_t)
    last_i = np.zeros(n_int, dtype=np.int64)

    def events(k: int, last: int) -> None:
        if n_hat[k] > 0 and km_hat[last] > 0:
            d[k] = max(0, int(np.round(n_hat[k] * (1 - surv[k] / km_hat[last]))))
            d[k] = min(d[k], n_hat[k])
            km_hat[k] = km_hat[last] * (1 - d[k] / n_hat[k])
        else:
            d[k], km_hat[k] = 0, km_hat[last]

    last = 0
    for i in range(n_int - 1):
        lo, up, nxt = lower[i], upper[i], lower[i + 1]
        n_censor[i] = round(n_risk[i] * surv[nxt] / surv[lo] - n_risk[i + 1]) if surv[lo] > 0 else 0
        for _ in range(_MAX_ITER):
            if not (n_hat[nxt] > n_risk[i + 1] or (n_hat[nxt] < n_risk[i + 1] and n_censor[i] > 0)):
                break
            if n_censor[i] <= 0:
                cen[lo : up + 1] = 0
                n_censor[i] = 0
            else:
                cen[lo : up + 1] = _spread(n_censor[i], t_s[lo], t_s[nxt], t_s[lo : nxt + 1])
            n_hat[lo] = n_risk[i]
            last = last_i[i]
            for k in range(lo, up + 1):
                if i == 0 and k == lo:
                    d[k], km_hat[k] = 0, 1.0
                else:
                    events(k, last)
                n_hat[k + 1] = n_hat[k] - d[k] - cen[k]
                if d[k] != 0:
                    last = k
            n_censor[i] += n_hat[nxt] - n_risk[i + 1]
        if n_hat[nxt] < n_risk[i + 1]:
            n_risk[i + 1] = n_hat[nxt]
        last_i[i + 1] = last

    lo, up = lower[-1], upper[-1]

    def last_interval() -> None:
        if n_censor[-1] <= 0:
            cen[lo:up] = 0
            n_censor[-1] = 0
        else:
            cen[lo:up] = _spread(n_censor[-1], t_s[lo], t_s[up], t_s[lo : up + 1])
        n_hat[lo] = n_risk[-1]
        last = last_i[-1]
        for k in range(lo, up + 1):
            events(k, last)
            n_hat[k + 1] = n_hat[k] - d[k] - cen[k]
            if n_hat[k + 1] < 0:
                n_hat[k + 1] = 0
                cen[k] = n_hat[k] - d[k]
            if d[k] != 0:
                last = k

    if n_int > 1:
        # the same censoring rate as the average over the earlier intervals
        span = t_s[upper[-2]] - t_s[lower[0]]
        rate = n_censor[:-1].sum() * (t_s[up] - t_s[lo]) / span if span > 0 else 0.0
        n_censor[-1] = min(round(rate), n_risk[-1])
    last_interval()

    if tot_events is not None:
        sum_dl = int(d[: upper[-2] + 1].sum()) if n_int > 1 else 0
        if n_int > 1 and sum_dl >= tot_events:
            d[lo : up + 1] = 0
            cen[lo:up] = 0
            n_hat[lo + 1 : up + 2] = n_risk[-1]
        else:
            sum_d = int(d[: up + 1].sum())
            for _ in range(_MAX_ITER):
                if not (sum_d > tot_events or (sum_d < tot_events and n_censor[-1] > 0)):
                    break
                n_censor[-1] += sum_d - tot_events
                last_interval()
                sum_d = int(d[: up + 1].sum())
    return d, cen
