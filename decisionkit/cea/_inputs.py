"""Shared input handling of the BCEA-style analyses: draws from outcomes or a CEAResult."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from decisionkit._validation import caller_name, check_names, check_wtp, fail
from decisionkit.cea._analyze import DEFAULT_WTP, CEAResult
from decisionkit.decision._kernel import check_finite
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution


@dataclass(frozen=True)
class Draws:
    """Read-only cost and effect draws ``(n_draws, n_strategies)`` with their names."""

    strategies: tuple[str, ...]
    cost: np.ndarray
    effect: np.ndarray
    cost_name: str
    effect_name: str
    wtp: np.ndarray  # the grid of the CEAResult, or the default grid
    reference: str  # the CEAResult's reference, or the strategy with the lowest mean cost


def draws(source: Any, cost: str | None, effect: str | None, caller: str | None = None) -> Draws:
    """Cost and effect draws of an OutcomeDistribution or a CEAResult (shared, not copied).

    ``cost``/``effect`` name the metrics of an OutcomeDistribution (default ``cost`` and
    ``qaly``); a CEAResult already fixed them, so they must be left at ``None`` or match.
    """
    caller = caller or caller_name()
    if isinstance(source, CEAResult):
        for param, given, used in (
            ("cost", cost, source.cost_name),
            ("effect", effect, source.effect_name),
        ):
            if given is not None and given != used:
                raise fail(
                    param,
                    caller,
                    f"left out (or {used!r}) with a CEAResult, whose metrics are fixed",
                    given,
                    "Pass the OutcomeDistribution instead to use other metrics.",
                )
        return Draws(
            source.strategies,
            source.cost,
            source.effect,
            source.cost_name,
            source.effect_name,
            source.wtp,
            source.reference,
        )
    if not isinstance(source, OutcomeDistribution):
        raise fail(
            "outcomes",
            caller,
            "an OutcomeDistribution or a CEAResult from dk.cea.analyze()",
            type(source).__name__,
            "Build one with dk.OutcomeDistribution.from_arrays({'cost': ..., 'qaly': ...}).",
        )
    if source.extra_dims:
        raise ValidationError(
            f"{caller} needs outcomes with dims (draw, action) only; these have extra dims "
            f"{source.extra_dims}. Aggregate them first (e.g. mean over patients)."
        )
    cost_name = check_names(["cost" if cost is None else cost], "cost", caller)[0]
    effect_name = check_names(["qaly" if effect is None else effect], "effect", caller)[0]
    c = _read_only(source.metric(cost_name).values)
    e = _read_only(source.metric(effect_name).values)
    check_finite(c, f"The cost draws ('{cost_name}') of {caller}")
    check_finite(e, f"The effect draws ('{effect_name}') of {caller}")
    strategies = tuple(source.actions)
    mc, me = c.mean(axis=0), e.mean(axis=0)
    cheapest = strategies[int(np.lexsort((-me, mc))[0])]
    return Draws(strategies, c, e, cost_name, effect_name, DEFAULT_WTP.copy(), cheapest)


def reference_index(d: Draws, reference: str | None, caller: str | None = None) -> int:
    """Index of the reference strategy; a name not in the data lists the strategies."""
    caller = caller or caller_name()
    name = d.reference if reference is None else reference
    if name not in d.strategies:
        raise fail(
            "reference",
            caller,
            f"one of the strategies {list(d.strategies)}",
            reference,
            "Strategy names are case-sensitive.",
        )
    return d.strategies.index(name)


def wtp_grid(wtp: Any, default: np.ndarray, caller: str | None = None) -> np.ndarray:
    """The wtp grid: the given one (checked) or the default (read-only)."""
    caller = caller or caller_name()
    if wtp is None:
        grid = np.array(default, dtype=float)
    else:
        scalar, checked = check_wtp(wtp, caller, positive=False)
        grid = np.array([scalar]) if checked is None else checked.copy()
    grid.flags.writeable = False
    return grid


def _read_only(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.flags.writeable:
        arr = arr.copy()
        arr.flags.writeable = False
    return arr
