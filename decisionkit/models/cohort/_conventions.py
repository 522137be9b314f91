r"""Counting, discounting and model-time conventions of state-transition models.

Shared by :class:`~decisionkit.models.MarkovModel` and the microsimulation, so that one
specification means the same thing in both.

Trace points and cycles
-----------------------
The trace has points ``t = 0..n`` (time ``t * cycle_length``); cycle ``c = 1..n`` runs from
point ``c - 1`` to point ``c``. The within-cycle method says how trace points are counted
(``w_t``, :func:`within_cycle_weights`) and, for ``"end"``, ``"none"`` and ``"half-cycle"``,
which cycle each point's value belongs to: with ``"end"`` point ``t`` is the membership at the
end of cycle ``t``; with ``"none"`` (counting at the beginning) it is the start of cycle
``t + 1``; with ``"half-cycle"`` interior points count half for the cycle they end and half
for the one they start.

Discount timing (``discount_first_cycle``)
------------------------------------------
``None`` (default): a value counted at point ``t`` is discounted by the time of the point,
:math:`(1 + r)^{-t \cdot \ell}` (``\ell`` the cycle length), whatever the counting.
``True`` / ``False`` (heemod's ``first``): values are discounted per *cycle*, cycle ``c``
by :math:`(1 + r)^{-(c - 1 + \text{first}) \ell}`, i.e. the first cycle already discounted by
one cycle (``True``) or not at all (``False``), independent of how membership is counted.
A half-cycle point shared by cycles ``c`` and ``c + 1`` gets the mean of their factors.
One-off transition costs of cycle ``c`` get cycle ``c``'s factor (``None``: the end of the
cycle, like ``True``).

Model time (``model_time``)
---------------------------
``"elapsed"`` (default): callables get the number of cycles elapsed when the quantity
applies: a transition of cycle ``c`` gets ``c - 1`` (its start), a state value at point ``t``
gets ``t``. ``"cycle"`` (heemod's ``model_time``): everything gets the 1-based number of its
cycle: transitions ``c``; state values the cycle their point belongs to (``"end"``: ``t``,
``"none"``: ``t + 1``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, check_in, fail, finite_or_raise, validate_params
from decisionkit.exceptions import ValidationError

__all__ = [
    "METHODS",
    "PairCosts",
    "cycle_discount",
    "params_dict",
    "transition_discount",
    "value_discount",
    "value_model_time",
    "within_cycle_weights",
]

METHODS = ("half-cycle", "simpson", "none", "end")
_PER_CYCLE = ("half-cycle", "none", "end")


@validate_params()
def within_cycle_weights(n_cycles: int, method: str) -> np.ndarray:
    """Within-cycle correction weights ``w_t`` for the ``n_cycles + 1`` trace points.

    See the MarkovModel module docstring for each method. The weights of ``half-cycle``
    and ``simpson`` integrate a smooth occupancy curve over ``[0, n_cycles]`` cycles.
    """
    check_in(method, METHODS, "within_cycle")
    n = n_cycles
    w = np.ones(n + 1)
    if method == "half-cycle":
        w[[0, -1]] = 0.5
    elif method == "none":
        w[-1] = 0.0
    elif method == "end":
        w[0] = 0.0
    else:
        if n < 2:
            raise ValidationError(
                "Simpson's within-cycle correction needs at least 2 cycles; use "
                "within_cycle='half-cycle' for a 1-cycle model."
            )
        m = n if n % 2 == 0 else n - 3  # Simpson 1/3 on [0, m], Simpson 3/8 on [m, n]
        w = np.zeros(n + 1)
        if m > 0:
            w[: m + 1] = 2.0
            w[1:m:2] = 4.0
            w[[0, m]] = 1.0
            w[: m + 1] /= 3.0
        if m != n:
            w[m : n + 1] += np.array([1.0, 3.0, 3.0, 1.0]) * 3.0 / 8.0
    return w


def check_per_cycle(method: str, what: str) -> None:
    """Per-cycle conventions need a method that assigns each trace point to a cycle."""
    if method not in _PER_CYCLE:
        raise ValidationError(
            f"{caller_name()}: {what} needs within_cycle 'end', 'none' or 'half-cycle', which say "
            f"which cycle each counted trace point belongs to; got {method!r}. Use the "
            "default (None / 'elapsed') with Simpson's rule or custom weights."
        )


def cycle_discount(rate: float, n_cycles: int, cycle_length: float, first: bool) -> np.ndarray:
    """Discount factor of cycles ``c = 1..n`` (index ``c - 1``), heemod's ``first``."""
    c = np.arange(1, n_cycles + 1)
    return (1.0 + rate) ** (-(c - 1 + int(first)) * cycle_length)


def value_discount(
    rate: float, n_cycles: int, cycle_length: float, method: str, first: bool | None
) -> np.ndarray:
    """Discount factor of the value counted at each trace point ``t = 0..n``."""
    if first is None:
        return (1.0 + rate) ** -(np.arange(n_cycles + 1) * cycle_length)
    d = cycle_discount(rate, n_cycles, cycle_length, first)
    out = np.zeros(n_cycles + 1)
    if method == "end":
        out[1:] = d
    elif method == "none":
        out[:-1] = d
    else:  # half-cycle: interior points shared by the cycle they end and the one they start
        out[0], out[-1] = d[0], d[-1]
        out[1:-1] = 0.5 * (d[:-1] + d[1:])
    return out


def transition_discount(
    rate: float, n_cycles: int, cycle_length: float, first: bool | None
) -> np.ndarray:
    """Discount factor of one-off transition costs of cycles ``1..n`` (index ``c - 1``)."""
    return cycle_discount(rate, n_cycles, cycle_length, True if first is None else first)


def value_model_time(t: int, method: str, model_time: str) -> int:
    """The time passed to a state-value callable for trace point ``t``."""
    if model_time == "elapsed":
        return t
    return t + 1 if method == "none" else t


@validate_params()
def params_dict(params: Any) -> tuple[dict[str, np.ndarray], int]:
    """Turn a DataFrame (or mapping of scalars/1-D arrays) into ``{name: float array}``.

    Returns the dict and the number of draws. Scalars become length-1 arrays when nothing
    else sets the length.
    """
    if isinstance(params, pd.DataFrame):
        items = {str(c): params[c].to_numpy() for c in params.columns}
    elif isinstance(params, Mapping | pd.Series):
        items = {str(k): np.asarray(v) for k, v in params.items()}
    else:
        raise fail("params", "a DataFrame (one row per draw) or a dict of values", type(params))
    lengths = {k: v.shape[0] for k, v in items.items() if v.ndim == 1}
    bad = [k for k, v in items.items() if v.ndim > 1]
    if bad:
        raise fail(f"params['{bad[0]}']", "a scalar or a 1-D array", items[bad[0]].shape)
    sizes = set(lengths.values())
    if len(sizes) > 1:
        raise ValidationError(
            f"{caller_name()}: the parameters have different numbers of draws {lengths}. Pass one "
            "value per draw for every parameter (a DataFrame keeps them aligned)."
        )
    n = sizes.pop() if sizes else 1
    if isinstance(params, pd.DataFrame):
        n = len(params)
    out = {}
    for k, v in items.items():
        if v.dtype.kind not in "biuf":
            raise fail(f"params['{k}']", "numeric", v.dtype)
        arr = np.broadcast_to(np.asarray(v, dtype=float), (n,))
        finite_or_raise(arr, f"Parameter '{k}' passed to {caller_name()}")
        out[k] = arr
    if n < 1:
        raise ValidationError(f"{caller_name()}: params has no rows; pass at least one draw.")
    return out, n


class PairCosts:
    """Transition costs given as ``{(from, to): value or callable}``, built into a matrix."""

    def __init__(self, pairs: dict[tuple[int, int], Any], k: int) -> None:
        self.pairs, self.k = pairs, k

    def __call__(self, params: Mapping[str, np.ndarray], cycle: int, strategy: str) -> np.ndarray:
        n = len(next(iter(params.values()))) if params else 1
        out = np.zeros((n, self.k, self.k))
        for (i, j), value in self.pairs.items():
            v: Callable | Any = value
            out[:, i, j] = v(params, cycle, strategy) if callable(v) else v
        return out
