"""Numbers people read: one formatting layer for the dashboard, summaries and examples.

Rules (issue 17): thousands separators; sensible significant digits (3 by default, never
fewer digits than the integer part has); money in the one currency chosen, large amounts in
thousands/millions/billions with the unit said ("£1.2 million"); "—" for not applicable
(None, NaN); never scientific notation, however small or large the number.

Written by hand: Python's format mini-language has no "significant digits without exponent"
and no "million"/"billion" words, and babel's compact formats abbreviate ("£1.2M").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import validate_params

__all__ = ["NA", "count", "fixed", "money", "money_unit", "number", "percent", "table"]

#: What a cell that does not apply shows.
NA = "—"
_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def _missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(np.isnan(x))
    except (TypeError, ValueError):
        return False


def _decimals(x: float, digits: int) -> int:
    """Decimals that show ``digits`` significant digits of x in fixed notation (cap 12)."""
    if x == 0 or not math.isfinite(x):
        return 0
    return int(min(12, max(0, digits - 1 - math.floor(math.log10(abs(x))))))


@validate_params()
def number(x: Any, digits: int = 3) -> str:
    """A number with thousands separators and ``digits`` significant digits, never 1e+06.

    >>> number(1967042.3), number(0.153456), number(12.3456), number(0.00001234), number(None)
    ('1,967,042', '0.153', '12.3', '0.0000123', '—')
    """
    if _missing(x):
        return NA
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    d = _decimals(x, digits)
    text = f"{x:,.{d}f}"
    return "0" if float(text.replace(",", "")) == 0 else text


@validate_params()
def fixed(x: Any, decimals: int) -> str:
    """A number with thousands separators and a fixed number of decimals.

    >>> fixed(12345.678, 2), fixed(float("nan"), 1)
    ('12,345.68', '—')
    """
    return NA if _missing(x) else f"{float(x):,.{decimals}f}"


@validate_params()
def count(x: Any) -> str:
    """A whole count with thousands separators.

    >>> count(463208)
    '463,208'
    """
    return NA if _missing(x) else f"{round(float(x)):,d}"


@validate_params()
def percent(p: Any, decimals: int = 0) -> str:
    """A probability as a percentage; "<1%" / ">99%" rather than rounding to 0% or 100%.

    >>> percent(0.372), percent(0.004), percent(0.9996), percent(1.0), percent(0.0)
    ('37%', '<1%', '>99%', '100%', '0%')
    """
    if _missing(p):
        return NA
    p = float(p)
    text = f"{100 * p:.{decimals}f}%"
    step = 10.0**-decimals
    if p > 0 and 100 * p < step:
        return f"<{step:g}%"
    if p < 1 and 100 * p > 100 - step:
        return f">{100 - step:g}%"
    return text


@validate_params()
def money(x: Any, currency: str = "£", *, digits: int = 2, compact: bool = True) -> str:
    """An amount of money in ``currency``: whole units with separators, large amounts in words.

    Amounts of a million or more become "£1.2 million" (``digits`` significant digits after
    the leading ones, so 262,960,306 -> "£263 million"); small amounts keep pence/cents.

    >>> money(262960306), money(1_234_567, "$"), money(45210.4), money(-3.456, "€"), money(None)
    ('£263 million', '$1.2 million', '£45,210', '-€3.46', '—')
    """
    if _missing(x):
        return NA
    x = float(x)
    sign, v = ("-" if x < 0 else ""), abs(x)
    if compact:
        for scale, word in _SCALES:
            if v >= scale:
                scaled = v / scale
                return f"{sign}{currency}{number(scaled, max(digits, _int_digits(scaled)))} {word}"
    if v >= 100:
        return f"{sign}{currency}{v:,.0f}"
    return f"{sign}{currency}{v:,.2f}"


def _int_digits(x: float) -> int:
    return len(str(int(abs(x)))) if abs(x) >= 1 else 1


@validate_params()
def money_unit(values: Any) -> tuple[float, str]:
    """(divisor, word) to show an axis of amounts in thousands/millions: (1e6, "million").

    >>> money_unit([2.5e6, 2.6e8])
    (1000000.0, 'million')
    """
    arr = np.asarray(values, dtype=float)
    top = float(np.nanmax(np.abs(arr))) if arr.size and np.isfinite(arr).any() else 0.0
    for scale, word in _SCALES:
        if top >= scale:
            return scale, word
    return 1.0, ""


@validate_params()
def table(frame: pd.DataFrame, formats: Mapping[str, Callable[[Any], str]]) -> pd.DataFrame:
    """A copy of ``frame`` whose listed columns are formatted text ("—" where missing).

    For display only: the numbers people read, with no "None" or "1.9e+06" cells.
    """
    out = frame.copy()
    for col, fmt in formats.items():
        if col in out.columns:
            out[col] = [fmt(v) for v in out[col].tolist()]
    return out
