"""Shared argument checks with one message template.

The template follows scikit-learn: ``The 'wtp' parameter of decide must be a non-negative
number. Got -5 instead.`` Functions here raise :class:`~decisionkit.exceptions.ValidationError`
(a ``ValueError``) or ``TypeError`` and never alter the data they check.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any, Literal, cast, overload

import numpy as np

from decisionkit.exceptions import MissingDependencyError, ValidationError

__all__ = [
    "check_names",
    "check_number",
    "check_probability",
    "check_random_state",
    "check_wtp",
    "fail",
    "finite_or_raise",
    "require",
]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def fail(param: str, caller: str, expected: str, got: Any, hint: str = "") -> ValidationError:
    """Build the standard error: what parameter, of what, was expected, what was given."""
    msg = f"The '{param}' parameter of {caller} must be {expected}. Got {_short(got)} instead."
    if hint:
        msg += " " + hint
    return ValidationError(msg)


def repeated(labels: Iterable[str]) -> list[str]:
    """The labels that occur more than once, sorted."""
    seen: set[str] = set()
    twice: set[str] = set()
    for label in labels:
        (twice if label in seen else seen).add(label)
    return sorted(twice)


@overload
def check_number(
    value: Any,
    param: str,
    caller: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: Literal[True],
) -> int: ...


@overload
def check_number(
    value: Any,
    param: str,
    caller: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: Literal[False] = False,
) -> float: ...


def check_number(
    value: Any,
    param: str,
    caller: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
) -> float:
    """Check that ``value`` is a finite real number within optional bounds and return it."""
    kind = "an integer" if integer else "a number"
    bounds = []
    if low is not None:
        bounds.append(f"{'>=' if low_inclusive else '>'} {low:g}")
    if high is not None:
        bounds.append(f"{'<=' if high_inclusive else '<'} {high:g}")
    expected = kind + (" " + " and ".join(bounds) if bounds else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise fail(param, caller, expected, value)
    if integer and not float(value).is_integer():
        raise fail(param, caller, expected, value)
    x = float(value)
    if not np.isfinite(x):
        raise fail(param, caller, "finite " + expected, value)
    if low is not None and (x < low or (not low_inclusive and x == low)):
        raise fail(param, caller, expected, value)
    if high is not None and (x > high or (not high_inclusive and x == high)):
        raise fail(param, caller, expected, value)
    return int(cast(Any, value)) if integer else x  # int(), not int(x): exact for big ints


def check_probability(value: Any, param: str, caller: str, *, open_interval: bool = True) -> float:
    """Check a probability level in (0, 1) (or [0, 1] with ``open_interval=False``)."""
    return check_number(
        value,
        param,
        caller,
        low=0.0,
        high=1.0,
        low_inclusive=not open_interval,
        high_inclusive=not open_interval,
    )


def check_names(names: Iterable[Any], param: str, caller: str) -> list[str]:
    """Check a sequence of labels: non-empty strings, no duplicates. Returns them as strings."""
    out = list(names)
    bad = [n for n in out if not isinstance(n, str | np.str_ | int | np.integer) or str(n) == ""]
    if bad:
        raise fail(param, caller, "a sequence of non-empty names", bad[0])
    labels = [str(n) for n in out]
    # NUL and other control characters vanish or break files (numpy drops trailing NULs)
    ctrl = [n for n in labels if any(ord(ch) < 32 for ch in n)]
    if ctrl:
        raise fail(
            param,
            caller,
            "names of printable characters (no NUL, tab or line break)",
            ctrl[0],
            "Rename it.",
        )
    dupes = repeated(labels)
    if dupes:
        raise ValidationError(
            f"The '{param}' parameter of {caller} must hold unique names, but {dupes} "
            "appear more than once. Rename or drop the duplicates."
        )
    return labels


def finite_or_raise(values: np.ndarray, what: str, hint: str = "") -> None:
    """Raise if ``values`` holds NaN or infinite entries, saying how many and where."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "fc":
        return
    # fast path: a NaN or an infinity makes the sum non-finite, so a finite sum proves every
    # value finite in one pass without a boolean temporary (a sum that overflows on finite
    # values falls through to the exact count below)
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(arr)):
            return
    bad = ~np.isfinite(arr)
    n_bad = int(bad.sum())
    if n_bad:
        n_nan = int(np.isnan(arr).sum())
        msg = (
            f"{what} holds {n_bad} non-finite value(s) ({n_nan} NaN, {n_bad - n_nan} infinite) "
            f"out of {arr.size}."
        )
        raise ValidationError(msg + " " + (hint or "Drop or impute them before calling again."))


def check_random_state(random_seed: Any, caller: str = "this function") -> np.random.Generator:
    """Turn ``None``, an int or a numpy Generator into a Generator."""
    if random_seed is None or isinstance(random_seed, np.random.Generator):
        return np.random.default_rng(random_seed)
    if isinstance(random_seed, numbers.Integral) and not isinstance(random_seed, bool):
        if random_seed < 0:
            raise fail(
                "random_seed", caller, "a non-negative integer or a numpy Generator", random_seed
            )
        return np.random.default_rng(int(random_seed))
    raise fail(
        "random_seed", caller, "None, a non-negative integer or a numpy Generator", random_seed
    )


def check_in(value: Any, options: Sequence[Any], param: str, caller: str) -> Any:
    """Check that ``value`` is one of ``options``."""
    if value not in options:
        raise fail(param, caller, "one of " + ", ".join(repr(o) for o in options), value)
    return value


def require(module: str, feature: str, extra: str | None = None):
    """Import an optional dependency or raise an ImportError that says what to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pkg = f"pydecisionkit[{extra}]" if extra else module
        raise MissingDependencyError(
            f"{feature} needs the optional package '{module}'. Install it with `pip install {pkg}`."
        ) from exc


def check_wtp(wtp: Any, caller: str, *, positive: bool) -> tuple[float | None, np.ndarray | None]:
    """Check a willingness to pay: a number, or a strictly increasing 1-D grid.

    Returns ``(value, None)`` for a scalar and ``(None, grid)`` for a grid; ``positive``
    excludes 0 (net health benefit divides by wtp).
    """
    expected = "a positive number" if positive else "a non-negative number"
    if np.ndim(wtp) == 0:
        value = check_number(wtp, "wtp", caller, low=0.0, low_inclusive=not positive)
        return value, None
    try:
        grid = np.asarray(list(wtp) if not isinstance(wtp, np.ndarray) else wtp, dtype=float)
    except (TypeError, ValueError):
        raise fail("wtp", caller, expected + " or a 1-D grid of them", wtp) from None
    if grid.ndim != 1 or grid.size == 0:
        raise fail("wtp", caller, expected + " or a non-empty 1-D grid", wtp)
    bad = ~np.isfinite(grid) | (grid <= 0 if positive else grid < 0)
    if bad.any():
        raise fail(
            "wtp",
            caller,
            "a grid of " + ("positive" if positive else "non-negative") + " finite numbers",
            grid[bad][0],
        )
    if np.any(np.diff(grid) <= 0):
        raise fail("wtp", caller, "a strictly increasing grid", wtp, "Sort it and drop repeats.")
    return None, grid
