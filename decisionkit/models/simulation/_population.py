"""Checks on the simulated population, its updates and the transition rows it produces."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, fail
from decisionkit.exceptions import ValidationError

__all__ = ["check_population", "check_rows", "check_updates", "initial_states"]


def check_population(population: Any) -> tuple[dict[str, np.ndarray], int]:
    """Return the population's attribute arrays (copies) and its size.

    ``population`` is a positive integer (individuals without attributes) or a DataFrame with
    one row per individual; any missing value is an error naming the column and row.
    """
    if isinstance(population, numbers.Integral) and not isinstance(population, bool):
        if population < 2:
            raise fail("population", "an integer >= 2 or a DataFrame", population)
        return {}, int(population)
    if not isinstance(population, pd.DataFrame):
        raise fail(
            "population",
            "a number of individuals or a DataFrame with one row per individual",
            type(population),
        )
    if len(population) < 2:
        raise fail("population", "a DataFrame with at least 2 rows", len(population))
    attrs = {}
    for col in population.columns:
        values = population[col]
        missing = values.isna().to_numpy()
        if missing.any():
            row = population.index[int(np.argmax(missing))]
            raise ValidationError(
                f"{caller_name()}: attribute column {col!r} of the population has "
                f"{int(missing.sum())} "
                f"missing value(s) (first at row {row!r}). Drop or impute them before "
                "simulating: every individual needs every attribute."
            )
        arr = values.to_numpy()
        if arr.dtype.kind in "biuf":
            arr = arr.astype(float)
            if not np.all(np.isfinite(arr)):
                raise ValidationError(
                    f"{caller_name()}: attribute column {col!r} of the population holds infinite "
                    "values. Replace them with finite ones."
                )
        attrs[str(col)] = arr.copy()
    return attrs, len(population)


def initial_states(initial: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Starting state of ``n`` individuals from the proportions ``initial`` (one draw each)."""
    nonzero = np.flatnonzero(initial > 0)
    if nonzero.size == 1:
        return np.full(n, nonzero[0], dtype=np.int64)
    cum = np.cumsum(initial)
    cum /= cum[-1]
    u = rng.random(n)
    return np.minimum(np.searchsorted(cum, u, side="right"), len(initial) - 1).astype(np.int64)


def check_rows(prob: np.ndarray, ind: Any, cycle: int, strategy: str, tol: float) -> None:
    """Transition rows must be finite, within [0, 1] and sum to 1 (within ``tol``)."""
    sums = prob.sum(axis=1)
    if (
        np.isfinite(sums).all()
        and np.abs(sums - 1.0).max(initial=0.0) <= tol
        and prob.min(initial=0.0) >= -tol
        and prob.max(initial=0.0) <= 1 + tol
    ):
        return
    bad_row = ~(np.abs(sums - 1.0) <= tol) | ~np.all((prob >= -tol) & (prob <= 1 + tol), axis=1)
    i = int(np.argmax(bad_row))
    attrs = {k: np.asarray(v[i]).item() for k, v in ind.attributes.items()}
    raise ValidationError(
        f"Microsimulation: the transition probabilities of strategy {strategy!r} at cycle "
        f"{cycle} are invalid for individual {i} (in state {ind.states[ind.state[i]]!r}, "
        f"{int(ind.time_in_state[i])} cycle(s) in it, attributes {attrs}): the row "
        f"{np.round(prob[i], 6).tolist()} sums to {sums[i]:.10g}. Every probability must be "
        "in [0, 1] and each row must sum to 1; check the complement (1 - sum of the others) "
        "and clip hazards converted to probabilities."
    )


def check_updates(
    new: Any, current: dict[str, np.ndarray], cycle: int, strategy: str
) -> dict[str, np.ndarray]:
    """Merge the attributes returned by ``update`` into copies of the current ones."""
    if not isinstance(new, Mapping):
        raise ValidationError(
            f"Microsimulation: update returned {type(new).__name__} at cycle {cycle} of strategy "
            f"{strategy!r}; it must return a dict of new attribute arrays (e.g. {{'bmi': ...}})."
        )
    out = dict(current)
    n = len(next(iter(current.values()))) if current else None
    for name, value in new.items():
        arr = np.asarray(value)
        if arr.dtype.kind in "biuf":
            arr = np.broadcast_to(arr.astype(float), (n,) if n else arr.shape).copy()
        if n is not None and arr.shape != (n,):
            raise ValidationError(
                f"Microsimulation: update returned attribute {name!r} with shape {arr.shape} at "
                f"cycle {cycle}; expected ({n},), one value per individual."
            )
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise ValidationError(
                f"Microsimulation: update made attribute {name!r} NaN or infinite for "
                f"{int((~np.isfinite(arr)).sum())} individual(s) at cycle {cycle} of strategy "
                f"{strategy!r}. Return finite values for everyone."
            )
        out[str(name)] = arr
    return out
