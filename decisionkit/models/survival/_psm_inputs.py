"""Inputs of the partitioned survival model: survival sources and per-state values.

A survival *source* is whatever gives survival draws for one endpoint of one strategy: a
``SurvivalDraws`` (or any object with ``times`` and ``survival``), a fitted model with
``draw_survival``, a ``(model, covariates)`` pair, or a plain array of ``S(t)`` (draws x
times, or one curve shared by every draw) at :attr:`PartitionedSurvivalModel.times`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, fail, finite_or_raise
from decisionkit.exceptions import ValidationError

__all__ = ["Curve", "curves_for", "evaluate_value", "params_frame"]

_TOL = 1e-8  # tolerance on S(t) in [0, 1] and on S increasing between time points


class Curve:
    """One endpoint's survival draws on the model's time points, and the draws' parameters."""

    __slots__ = ("parameters", "survival")

    def __init__(self, survival: np.ndarray, parameters: pd.DataFrame | None) -> None:
        self.survival = survival
        self.parameters = parameters


def params_frame(params: Any) -> pd.DataFrame | None:
    """The other PSA inputs as a numeric DataFrame (one row per draw), never altered."""
    if params is None:
        return None
    if isinstance(params, Mapping):
        params = pd.DataFrame({str(k): np.asarray(v) for k, v in params.items()})
    if not isinstance(params, pd.DataFrame):
        raise fail("params", "a DataFrame with one row per draw", type(params).__name__)
    bad = [c for c in params.columns if not pd.api.types.is_numeric_dtype(params[c])]
    if bad:
        raise fail(f"params['{bad[0]}']", "numeric", params[bad[0]].dtype)
    finite_or_raise(params.to_numpy(dtype=float), f"The 'params' passed to {caller_name()}")
    return params.reset_index(drop=True)


def _split_source(source: Any) -> tuple[Any, Any]:
    if isinstance(source, tuple):
        if len(source) != 2 or not hasattr(source[0], "draw_survival"):
            raise ValidationError(
                "A survival source given as a tuple must be (fitted_model, covariates), with a "
                f"model that has draw_survival; got a tuple of {len(source)} item(s)."
            )
        return source
    return source, None


def curves_for(
    sources: Mapping[str, Any],
    *,
    times: np.ndarray,
    n_draws: int,
    seeds: dict[int, int],
    where: str,
) -> list[Curve]:
    """Resolve the sources of one strategy's endpoints into curves of shape (n_draws, n_times).

    ``seeds`` maps ``id(model)`` to the seed of its ``draw_survival`` calls, so that arms
    drawn from one model (with different covariates) share its parameter draws.
    """
    out = []
    for endpoint, source in sources.items():
        label = f"{where}, endpoint {endpoint!r}"
        model, covariates = _split_source(source)
        parameters = None
        if hasattr(model, "draw_survival"):
            kwargs = {"n_draws": n_draws, "random_seed": seeds[id(model)]}
            if covariates is not None:
                kwargs["covariates"] = covariates
            model = model.draw_survival(times, **kwargs)
        if hasattr(model, "survival") and hasattr(model, "times"):
            surv = _on_times(model, times, label)
            parameters = getattr(model, "parameters", None)
            if parameters is not None and not isinstance(parameters, pd.DataFrame):
                parameters = pd.DataFrame(parameters)
        else:
            surv = _as_array(model, times, label)
        if surv.shape[0] == 1:
            surv = np.broadcast_to(surv, (n_draws, times.size))
        if surv.shape[0] != n_draws:
            raise ValidationError(
                f"{caller_name()}: the survival draws for {label} have {surv.shape[0]} rows "
                "but the "
                f"run has {n_draws} draws. Give every source (and params) the same number "
                "of draws."
            )
        if parameters is not None and len(parameters) != n_draws:
            raise ValidationError(
                f"{caller_name()}: the parameters of the survival draws for {label} have "
                f"{len(parameters)} rows; expected one per draw ({n_draws})."
            )
        _check_survival(surv, label)
        out.append(Curve(surv, parameters))
    return out


def _on_times(draws: Any, times: np.ndarray, label: str) -> np.ndarray:
    own = np.asarray(draws.times, dtype=float)
    surv = np.asarray(draws.survival, dtype=float)
    if surv.ndim != 2 or surv.shape[1] != own.size:
        raise ValidationError(
            f"{caller_name()}: the survival draws for {label} have shape {surv.shape} for "
            f"{own.size} times; expected (n_draws, n_times)."
        )
    if own.size == times.size and np.allclose(own, times, rtol=0, atol=1e-9):
        return surv
    idx = np.clip(np.searchsorted(own, times), 0, own.size - 1)
    if not np.allclose(own[idx], times, rtol=0, atol=1e-9):
        raise ValidationError(
            f"{caller_name()}: the survival draws for {label} are not given at the model's time "
            f"points ({times.size} from 0 to {times[-1]:g} years). Draw them at those times, "
            "model.draw_survival(psm.times, ...), or pass the fitted model itself."
        )
    return surv[:, idx]


def _as_array(value: Any, times: np.ndarray, label: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise fail(
            f"survival ({label})",
            "SurvivalDraws, a fitted model with draw_survival, (model, covariates) or an "
            "array of S(t) at psm.times",
            type(value).__name__,
        ) from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != times.size:
        raise fail(
            f"survival ({label})",
            f"an array of S(t) with {times.size} columns, one per time in psm.times "
            "(shape (n_draws, n_times) or (n_times,))",
            f"shape {np.shape(value)}",
        )
    return arr


def _check_survival(surv: np.ndarray, label: str) -> None:
    finite_or_raise(surv, f"{caller_name()}: the survival draws for {label}")
    lo, hi = float(surv.min()), float(surv.max())
    if lo < -_TOL or hi > 1 + _TOL:
        raise ValidationError(
            f"{caller_name()}: the survival draws for {label} must be probabilities in [0, 1]; "
            f"they range from {lo:g} to {hi:g}. Pass S(t), not a hazard or a count at risk."
        )
    # fast path: a bool comparison without tolerance; the tolerance only on a hit
    if (surv[:, 1:] > surv[:, :-1]).any() and (rising := surv[:, 1:] > surv[:, :-1] + _TOL).any():
        draw, col = np.argwhere(rising)[0]
        rise = surv[draw, col + 1] - surv[draw, col]
        raise ValidationError(
            f"{caller_name()}: the survival draws for {label} increase over time (draw {draw}, "
            f"by {rise:.3g} at time point {col + 1}). S(t) must be non-increasing; check that "
            "the columns are in time order."
        )


def evaluate_value(
    spec: Any, params: dict[str, np.ndarray], strategy: str, n: int, what: str
) -> np.ndarray:
    """A per-state value (cost, utility) as an array of shape (n,) for one strategy.

    ``spec`` is a number, the name of a ``params`` column, an array with one value per draw,
    a callable ``f(params, strategy)``, or a dict ``{strategy: any of these}``.
    """
    if isinstance(spec, Mapping):
        if strategy not in spec:
            raise ValidationError(
                f"{caller_name()}: {what} is a dict by strategy but has no entry for {strategy!r} "
                f"(it has {list(spec)}). Give a value for every strategy."
            )
        spec = spec[strategy]
    if isinstance(spec, str):
        if spec not in params:
            raise ValidationError(
                f"{caller_name()}: {what} names the parameter {spec!r}, which is not a column of "
                f"params ({sorted(params)}). Pass params with that column."
            )
        value: Any = params[spec]
    elif callable(spec):
        value = spec(params, strategy)
    else:
        value = spec
    try:
        arr = np.asarray(value, dtype=float)
        arr = np.broadcast_to(arr, (n,)) if arr.ndim <= 1 else arr
    except (TypeError, ValueError):
        raise fail(what, "a number or one value per draw", value) from None
    if arr.shape != (n,):
        raise fail(what, f"a number or {n} values (one per draw)", f"shape {arr.shape}")
    finite_or_raise(arr, f"{caller_name()}: {what} for strategy {strategy!r}")
    return arr


def evaluate_schedule(
    spec: Any,
    tau: np.ndarray,
    params: dict[str, np.ndarray],
    strategy: str,
    n: int,
    what: str,
) -> tuple[np.ndarray, np.ndarray]:
    """An annual cost rate by time since entry ``tau`` (years), as ``factor * profile``.

    ``spec`` is ``(rate, duration)`` (a rate, given like :func:`evaluate_value`, paid for
    ``duration`` years after entry), a callable ``f(tau, params, strategy)``, or a dict by
    strategy of these. Returns ``factor`` of shape (n,) and ``profile`` of shape
    ``(tau.size,)`` when it is the same for every draw, else ``(n, tau.size)``, so that
    the model can keep the cost a matrix-vector product.
    """
    if isinstance(spec, Mapping):
        if strategy not in spec:
            raise ValidationError(
                f"{caller_name()}: {what} is a dict by strategy but has no entry for {strategy!r}."
            )
        spec = spec[strategy]
    if isinstance(spec, tuple) and len(spec) == 2:
        rate = evaluate_value(spec[0], params, strategy, n, what + " rate")
        duration = float(spec[1])
        if not np.isfinite(duration) or duration < 0:
            raise fail(what + " duration", "a non-negative number of years", spec[1])
        return rate, (tau < duration - 1e-12).astype(float)
    if not callable(spec):
        raise fail(
            what,
            "(rate, duration_years) or a callable f(tau, params, strategy)",
            type(spec).__name__,
        )
    fn: Callable[..., Any] = spec
    arr = np.asarray(fn(tau, params, strategy), dtype=float)
    if arr.shape not in ((tau.size,), (n, tau.size), (1, tau.size)):
        raise fail(what, f"an array of shape ({tau.size},) or ({n}, {tau.size})", arr.shape)
    finite_or_raise(arr, f"{caller_name()}: {what} for strategy {strategy!r}")
    return np.ones(n), arr.reshape(-1) if arr.shape[0] == 1 else arr
