"""Input checks for decision curves: outcome, risk columns (point or draws), thresholds, harm.

Every check raises :class:`~decisionkit.exceptions.ValidationError` with what was wrong and how
to fix it; nothing is clipped or altered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import caller_name, check_names, check_number, fail, finite_or_raise
from decisionkit.exceptions import ValidationError

TREAT_ALL = "Treat all"
TREAT_NONE = "Treat none"

# default grid of dcurves (R and Python): 0, 0.01, ..., 0.99 computed as i / 100
DEFAULT_THRESHOLDS = np.arange(100) / 100


def check_outcome(outcome: Any, caller: str | None = None, param: str = "outcome") -> np.ndarray:
    """Return a binary outcome as a float array of 0/1 (1-D, non-empty, no NaN)."""
    caller = caller or caller_name()
    if isinstance(outcome, pd.DataFrame):
        raise fail(param, caller, "a 1-D array or Series of 0/1 values", "a DataFrame")
    arr = np.asarray(outcome)
    if arr.ndim != 1:
        raise fail(param, caller, "a 1-D array of 0/1 values", f"an array of shape {arr.shape}")
    if arr.size == 0:
        raise fail(param, caller, "a non-empty array", "an empty array", "The cohort is empty.")
    if arr.dtype == object:
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise fail(param, caller, "binary (0/1 or True/False)", arr[:5]) from None
    if arr.dtype.kind not in "biuf":
        raise fail(param, caller, "binary (0/1 or True/False)", arr.dtype)
    finite_or_raise(arr, f"The '{param}' of {caller}", "Drop the patients with missing outcomes.")
    values = arr.astype(float)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        raise fail(
            param,
            caller,
            "binary (0/1 or True/False)",
            np.unique(values[bad])[:5],
            "Recode the outcome as 1 = event, 0 = no event.",
        )
    return values


def check_risk_array(value: Any, name: str, n: int) -> np.ndarray:
    """Return one risk column as a 2-D float array (n_draws, n); point risks give 1 row."""
    param = f"risks['{name}']"
    if isinstance(value, xr.DataArray):
        value = _dataarray_draws(value, param)
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise fail(param, "a numeric array of risks", arr.dtype)
    if arr.ndim == 1:
        arr = arr[None, :]
    elif arr.ndim != 2:
        raise fail(
            param,
            "1-D (point risks) or 2-D (draw, unit)",
            f"an array of shape {arr.shape}",
        )
    if arr.shape[1] != n:
        raise ValidationError(
            f"{param} of {caller_name()} has {arr.shape[1]} patients but the outcome has {n}. "
            "Pass one risk per patient (for draws: shape (n_draws, n_patients))."
        )
    finite_or_raise(arr, f"{param} of {caller_name()}", "Drop or impute the missing risks first.")
    arr = arr.astype(float, copy=False)
    if arr.min() < 0 or arr.max() > 1:
        raise ValidationError(
            f"{param} of {caller_name()} must hold probabilities in [0, 1], but its values range "
            f"from {arr.min():.4g} to {arr.max():.4g}. Risks are never clipped: pass predicted "
            "probabilities (e.g. predict_proba(X)[:, 1]), not scores or log-odds."
        )
    return arr


def _dataarray_draws(da: xr.DataArray, param: str) -> np.ndarray:
    """(chain, draw, unit) or (draw, unit) DataArray -> (draw, unit) array."""
    dims = tuple(str(d) for d in da.dims)
    if "chain" in dims and "draw" in dims:
        da = da.stack(__sample__=("chain", "draw")).rename(__sample__="draw_")
        dims = tuple(str(d) for d in da.dims)
        sample = "draw_"
    else:
        sample = "draw"
    if len(dims) == 1:
        return np.asarray(da.values)
    if sample not in dims or len(dims) != 2:
        raise fail(param, "a DataArray with dims ('draw', <unit dim>)", dims)
    other = next(d for d in dims if d != sample)
    return np.asarray(da.transpose(sample, other).values)


def check_risks(risks: Any, n: int) -> dict[str, np.ndarray]:
    """Normalise ``risks`` (dict, DataFrame, Series) to name -> (n_draws, n) arrays."""
    if isinstance(risks, pd.DataFrame):
        items = {c: risks[c].to_numpy() for c in risks.columns}
    elif isinstance(risks, pd.Series):
        items = {risks.name if risks.name is not None else "model": risks.to_numpy()}
    elif isinstance(risks, Mapping):
        items = dict(risks)
    else:
        raise fail(
            "risks",
            "a dict of model name -> risks, or a DataFrame of risk columns",
            type(risks).__name__,
        )
    if not items:
        raise fail("risks", "at least one risk column", risks)
    names = check_names(items.keys(), "risks")
    reserved = [nm for nm in names if nm in (TREAT_ALL, TREAT_NONE)]
    if reserved:
        raise ValidationError(
            f"The model name {reserved[0]!r} is reserved for the default strategies in "
            f"{caller_name()}. Rename that risk column."
        )
    out = {
        name: check_risk_array(v, name, n) for name, v in zip(names, items.values(), strict=True)
    }
    n_draws = {nm: a.shape[0] for nm, a in out.items() if a.shape[0] > 1}
    if len(set(n_draws.values())) > 1:
        raise ValidationError(
            f"All risk columns with draws passed to {caller_name()} must have the same number of "
            f"draws; got {n_draws}. Thin or subsample the posteriors to a common size."
        )
    return out


def check_thresholds(thresholds: Any) -> np.ndarray:
    """Return the threshold grid as a sorted array of unique values in [0, 1)."""
    if thresholds is None:
        return DEFAULT_THRESHOLDS.copy()
    arr = np.atleast_1d(np.asarray(thresholds))
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "biuf":
        raise fail("thresholds", "a non-empty 1-D array of numbers in [0, 1)", thresholds)
    finite_or_raise(arr, f"The 'thresholds' of {caller_name()}")
    arr = arr.astype(float)
    if arr.min() < 0 or arr.max() >= 1:
        raise fail(
            "thresholds",
            "a grid of threshold probabilities in [0, 1)",
            f"values from {arr.min():g} to {arr.max():g}",
            hint="At a threshold of 1 the harm weight pt / (1 - pt) is infinite.",
        )
    return np.unique(arr)


def check_harm(harm: Any, models: list[str]) -> dict[str, float]:
    """Harm per strategy (0 unless given); a scalar applies to every model (not the defaults)."""
    out = dict.fromkeys([*models, TREAT_ALL, TREAT_NONE], 0.0)
    if harm is None:
        return out
    if isinstance(harm, Mapping):
        for key, value in harm.items():
            if key not in out or key == TREAT_NONE:
                raise fail(
                    "harm",
                    f"a number or a dict keyed by model names {[*models, TREAT_ALL]}",
                    key,
                )
            out[key] = check_number(value, f"harm['{key}']")
        return out
    value = check_number(harm, "harm")
    for m in models:
        out[m] = value
    return out


def check_survival(
    time_to_event: Any, horizon: Any, time: Any, n: int, caller: str | None = None
) -> tuple[np.ndarray | None, float | None]:
    """Validate survival inputs; ``time`` is the dcurves name of ``horizon``."""
    caller = caller or caller_name()
    if time is not None and horizon is not None and float(time) != float(horizon):
        raise ValidationError(
            f"{caller} got both 'time' ({time}) and 'horizon' ({horizon}); 'time' is an alias "
            "of 'horizon' (the name dcurves uses). Pass only one."
        )
    horizon = horizon if horizon is not None else time
    if time_to_event is None:
        if horizon is not None:
            raise ValidationError(
                f"{caller} got a time horizon but no 'time_to_event'. Pass the follow-up times "
                "with time_to_event= (and the event indicator as outcome)."
            )
        return None, None
    if horizon is None:
        raise ValidationError(
            f"{caller} got 'time_to_event' but no 'horizon'. Pass the time point at which "
            "net benefit is evaluated, e.g. horizon=1."
        )
    horizon = check_number(horizon, "horizon", caller, low=0, low_inclusive=False)
    t = np.asarray(time_to_event)
    if t.ndim != 1 or t.shape[0] != n or t.dtype.kind not in "biuf":
        raise ValidationError(
            f"The 'time_to_event' of {caller} must be a 1-D numeric array with one time per "
            f"patient ({n}); got shape {t.shape} and dtype {t.dtype}."
        )
    finite_or_raise(t, f"The 'time_to_event' of {caller}")
    if t.min() < 0:
        raise fail("time_to_event", caller, "non-negative times", t.min())
    return t.astype(float), horizon


def check_event_codes(
    outcome: Any,
    *,
    event_of_interest: Any,
    competing: Any,
    censored: Any,
) -> tuple[np.ndarray, np.ndarray, tuple[Any, ...]]:
    """Status codes of a competing-risks outcome -> (event-of-interest 0/1, status 0/1/2, codes).

    Every value of ``outcome`` must be one of the declared codes: ``censored`` (one code or
    several), ``event_of_interest`` or one of ``competing`` (none: every other event is
    censoring). Codes may be numbers or labels (strings).
    """
    if isinstance(outcome, pd.DataFrame):
        raise fail("outcome", "a 1-D array or Series of event codes", "a DataFrame")
    raw = outcome.to_numpy() if isinstance(outcome, pd.Series) else np.asarray(outcome)
    if raw.ndim != 1 or raw.size == 0:
        raise fail("outcome", "a non-empty 1-D array of event codes", raw.shape)
    missing = pd.isna(raw)
    if missing.any():
        raise ValidationError(
            f"The 'outcome' of {caller_name()} has {int(missing.sum())} missing event codes. "
            "Drop those patients or code them as censored."
        )
    competing = _codes(competing)
    censored = _codes(censored)
    if not censored:
        raise fail("censored", "the code (or codes) of censored patients", censored)
    declared = {"censored": list(censored), "event_of_interest": [event_of_interest]}
    declared["competing"] = list(competing)
    flat = [c for codes in declared.values() for c in codes]
    if len(set(map(_code_key, flat))) != len(flat):
        raise ValidationError(
            f"{caller_name()}: the event codes must be distinct, but censored={censored!r}, "
            f"event_of_interest={event_of_interest!r} and competing={competing!r} repeat a code."
            " Give each outcome its own code."
        )
    if raw.dtype.kind in "biuf":
        keys = raw.astype(float)  # fast path: numeric codes
    else:
        keys = np.array([_code_key(v) for v in raw], dtype=object)
    known = [_code_key(c) for c in flat]
    present = pd.unique(keys)
    unknown = sorted((_plain(v) for v in present if v not in known), key=str)
    if unknown:
        raise ValidationError(
            f"The 'outcome' of {caller_name()} holds event codes "
            f"{', '.join(_show_code(c) for c in unknown[:5])} that are not declared "
            f"(censored={censored!r}, event_of_interest={event_of_interest!r}, "
            f"competing={competing!r}). Declare every code: add the other causes to "
            "competing=, or recode the outcome."
        )
    status = np.zeros(raw.size, dtype=np.int8)
    status[keys == _code_key(event_of_interest)] = 1
    status[np.isin(keys, [_code_key(c) for c in competing])] = 2
    return (status == 1).astype(float), status, competing


def _codes(codes: Any) -> tuple[Any, ...]:
    """None -> (), one code -> (code,), a sequence -> tuple."""
    if codes is None:
        return ()
    if isinstance(codes, (str, bytes)) or np.ndim(codes) == 0:
        return (codes,)
    return tuple(codes)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _show_code(code: Any) -> str:
    """A code as the user wrote it: 3 not 3.0, labels quoted."""
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return repr(code) if isinstance(code, str) else str(code)


def _code_key(code: Any) -> Any:
    """Compare codes by value: 1, 1.0, np.int8(1) and True are the same code; labels as str."""
    if isinstance(code, (bool, np.bool_, int, float, np.integer, np.floating)):
        return float(code)
    return str(code)
