"""ICER table on expected costs and effects: dominance, extended dominance, the frontier."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, check_names, fail, finite_or_raise, validate_params
from decisionkit.exceptions import ValidationError

__all__ = ["icer_table"]

ND, D, ED = "ND", "D", "ED"


def _vector(values: Any, param: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise fail(param, "a 1-D sequence of numbers", values) from None
    if arr.ndim != 1 or arr.size == 0:
        raise fail(param, "a non-empty 1-D sequence of numbers", values)
    finite_or_raise(
        arr,
        f"The '{param}' parameter of {caller_name()}",
        "Costs and effects may be negative, but every value must be a finite number.",
    )
    return arr


@validate_params()
def icer_table(
    cost: Sequence[float] | np.ndarray,
    effect: Sequence[float] | np.ndarray,
    strategies: Sequence[str],
) -> pd.DataFrame:
    r"""Incremental cost-effectiveness ratios along the cost-effectiveness frontier.

    Strategies are sorted by cost (ties: higher effect first). A strategy is *dominated*
    (``"D"``) when a strategy that costs no more has at least the same effect: after the
    sort, strategy :math:`j` is dominated if :math:`E_j \le \max_{i<j} E_i`. Of two
    strategies with identical cost and effect, the one listed later is flagged dominated.
    Among the rest, a strategy is *extendedly dominated* (``"ED"``) when its ICER exceeds
    that of the next more effective strategy,

    .. math:: \mathrm{ICER}_i = \frac{C_i - C_{i-1}}{E_i - E_{i-1}} > \mathrm{ICER}_{i+1},

    i.e. it lies above the line joining its neighbours; removal is repeated until the
    ICERs increase along the frontier (strategies exactly on that line stay on the
    frontier, as in dampack). The remaining strategies (``"ND"``) form the frontier:
    the first one (lowest cost) is the reference and has no ICER; each other has the
    incremental cost, effect and ICER against the previous frontier strategy. The
    strategy with the highest expected net monetary benefit at willingness to pay
    :math:`\lambda` is the last frontier strategy whose ICER is :math:`\le \lambda`.

    Parameters
    ----------
    cost, effect : sequence of float
        Expected cost and effect (e.g. QALYs) of each strategy. Negative values are
        allowed (cost savings); NaN and infinite values are not.
    strategies : sequence of str
        Unique strategy names, one per cost/effect.

    Returns
    -------
    pandas.DataFrame
        Columns ``strategy, cost, effect, inc_cost, inc_effect, icer, status``, one row per
        strategy sorted by cost (then effect, descending). ``inc_cost``, ``inc_effect`` and
        ``icer`` are NaN for the reference and for dominated strategies. ``status`` is
        ``"ND"`` (non-dominated: on the frontier), ``"ED"`` or ``"D"``.

    Notes
    -----
    The algorithm and its status codes follow ``calculate_icers`` of the R package dampack;
    the table is sorted by cost throughout rather than grouped by status.

    References
    ----------
    Drummond MF, Sculpher MJ, Claxton K, Stoddart GL, Torrance GW. Methods for the Economic
    Evaluation of Health Care Programmes. 4th ed. Oxford University Press, 2015. Chapter 4.

    Alarid-Escudero F, Knowlton G, Easterly CA, Enns EA. Decision analytic modeling package
    (dampack), R package, https://github.com/DARTH-git/dampack.

    Barnett PG. An improved process for evaluating health care interventions. US Department
    of Veterans Affairs Health Economics Resource Center (HERC), cost-effectiveness analysis
    course notes (worked example with strategies UC, A-E).

    Examples
    --------
    >>> import decisionkit as dk
    >>> t = dk.cea.icer_table([55000, 35000, 25000, 10000, 12000, 5000], [5, 4, 3, 2, 1.5, 1],
    ...                ["E", "D", "C", "B", "A", "UC"])
    >>> t[t.status == "ND"][["strategy", "icer"]].to_dict("list")
    {'strategy': ['UC', 'B', 'D', 'E'], 'icer': [nan, 5000.0, 12500.0, 20000.0]}
    """
    c = _vector(cost, "cost")
    e = _vector(effect, "effect")
    if isinstance(strategies, str):
        raise fail("strategies", "a sequence of names", strategies)
    names = check_names(strategies, "strategies")
    if not (c.size == e.size == len(names)):
        raise ValidationError(
            f"icer_table got {c.size} cost(s), {e.size} effect(s) and {len(names)} strategy "
            "name(s). Pass one cost, one effect and one name per strategy."
        )
    order = np.lexsort((np.arange(c.size), -e, c))  # by cost, then effect descending
    c, e = c[order], e[order]
    names = [names[i] for i in order]
    status = np.full(c.size, ND, dtype=object)
    status[_strongly_dominated(e)] = D
    frontier = _extended_dominance(c, e, np.flatnonzero(status == ND))
    status[np.setdiff1d(np.flatnonzero(status == ND), frontier)] = ED
    inc_c = np.full(c.size, np.nan)
    inc_e = np.full(c.size, np.nan)
    inc_c[frontier[1:]] = np.diff(c[frontier])
    inc_e[frontier[1:]] = np.diff(e[frontier])
    return pd.DataFrame(
        {
            "strategy": names,
            "cost": c,
            "effect": e,
            "inc_cost": inc_c,
            "inc_effect": inc_e,
            "icer": inc_c / inc_e,
            "status": status.astype(str),
        }
    )


def _strongly_dominated(e: np.ndarray) -> np.ndarray:
    """Mask of strategies (sorted by cost) with no more effect than a cheaper-or-equal one."""
    prev_max = np.maximum.accumulate(np.concatenate(([-np.inf], e[:-1])))
    return e <= prev_max


def _extended_dominance(c: np.ndarray, e: np.ndarray, nd: np.ndarray) -> np.ndarray:
    """Indices of the frontier after repeatedly removing extendedly dominated strategies.

    Each pass drops every strategy whose ICER exceeds the next one's (dampack's rule);
    strategies are few, so the loop runs over passes, never over draws.
    """
    idx = nd
    while idx.size > 2:
        icer = np.diff(c[idx]) / np.diff(e[idx])  # icer[k] belongs to idx[k + 1]
        drop = np.flatnonzero(icer[:-1] > icer[1:]) + 1
        if drop.size == 0:
            break
        idx = np.delete(idx, drop)
    return idx
