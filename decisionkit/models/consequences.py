r"""From risk draws to outcomes: treat or not, per patient.

:func:`treatment_outcomes` turns draws of each patient's untreated risk :math:`p_{si}`
(draw :math:`s`, patient :math:`i`), draws of a treatment effect, per-action costs and
per-event consequences into an :class:`~decisionkit.OutcomeDistribution` with dims
``(draw, action, unit)`` and metrics ``events``, ``cost`` and ``qaly``, which the
decision layer consumes directly (e.g. ``dk.decide(out, utility).best`` per patient).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._options import chunk_values
from decisionkit._validation import (
    Interval,
    Options,
    caller_name,
    check_names,
    fail,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["TreatmentParameters", "treatment_outcomes", "treatment_parameters"]


def _risk_array(risk: Any) -> tuple[Any, np.ndarray]:
    """Return ``(draw, unit)`` float risks (numpy, or dask kept lazy) and the unit labels."""
    if isinstance(risk, xr.DataArray):
        if set(risk.dims) != {"draw", "unit"} and risk.dims != ("draw",):
            raise ValidationError(
                f"{caller_name()}: 'risk' must have dims ('draw', 'unit') (as returned by "
                f"predict_risk); got {risk.dims}."
            )
        if risk.dims == ("draw",):
            risk = risk.expand_dims(unit=[0], axis=1)
        risk = risk.transpose("draw", "unit")
        units = risk["unit"].values if "unit" in risk.coords else np.arange(risk.sizes["unit"])
        if _is_dask(risk.data):
            if risk.dtype.kind not in "iuf":
                raise fail("risk", "numeric draws of probabilities", risk.dtype)
            values: Any = risk.data.astype(float)
        else:
            values = np.asarray(risk.values, dtype=float)
    else:
        values = np.asarray(risk)
        if values.dtype.kind not in "iuf":
            raise fail("risk", "a numeric array of probabilities", values.dtype)
        values = values.astype(float)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2:
            raise ValidationError(
                f"{caller_name()}: 'risk' must be 2-D (draw, unit); got shape {values.shape}."
            )
        units = np.arange(values.shape[1])
    if values.shape[0] < 2:
        raise ValidationError(
            f"{caller_name()}: 'risk' has {values.shape[0]} draw(s); at least 2 are needed."
        )
    return values, units


def _per_draw(value: Any, name: str, n_draws: int, *, positive: bool = False) -> np.ndarray:
    """A scalar or a (draw,) vector as a float (draw,) array."""
    if isinstance(value, xr.DataArray):
        if value.ndim and value.dims != ("draw",):
            raise fail(name, "a number or draws with dim 'draw'", value.dims)
        value = value.values
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf" or arr.dtype.kind == "b" or arr.ndim > 1:
        raise fail(name, "a number or a 1-D array of draws", value)
    arr = arr.astype(float)
    if arr.ndim == 1 and arr.size != n_draws:
        raise ValidationError(
            f"{caller_name()}: '{name}' has {arr.size} draws but 'risk' has {n_draws}. Pass one "
            "value per risk draw (resample one of them to the other's length), or a number."
        )
    if not np.isfinite(arr).all():
        raise fail(name, "finite (no NaN or infinity)", value)
    if positive and (arr <= 0).any():
        raise fail(name, "> 0 (a ratio)", value)
    return np.broadcast_to(arr, (n_draws,))


def _by_action(value: Any, name: str, treated: list[str]) -> dict[str, Any]:
    if isinstance(value, Mapping):
        keys = [str(k) for k in value]
        if sorted(keys) != sorted(treated):
            raise ValidationError(
                f"{caller_name()}: '{name}' has entries for {keys} but the treated actions are "
                f"{treated}. Give one entry per treated action."
            )
        return {str(k): v for k, v in value.items()}
    return dict.fromkeys(treated, value)


@validate_params({"effect_scale": Options(("relative_risk", "odds_ratio"))})
def treatment_outcomes(
    risk: xr.DataArray | np.ndarray,
    *,
    effect: Any,
    effect_scale: str = "relative_risk",
    cost_treat: Any,
    cost_event: Any,
    qaly_event: Any = 0.0,
    harm_qaly: Any = 0.0,
    actions: Sequence[str] | None = None,
) -> OutcomeDistribution:
    r"""Outcome draws of not treating vs treating each patient, from risk and effect draws.

    For draw :math:`s`, patient :math:`i` with untreated risk :math:`p_{si}` and a treated
    action with effect :math:`\theta_s`, the treated risk is

    .. math::

        p^{T}_{si} = \theta_s\, p_{si} \quad\text{(relative risk)}, \qquad
        p^{T}_{si} = \frac{\theta_s p_{si}}{1 - p_{si} + \theta_s p_{si}}
        \quad\text{(odds ratio)},

    and per action the metrics are

    .. math::

        \text{events} = p, \qquad
        \text{cost} = c_{\text{treat}}\,1[\text{treated}] + c_{\text{event}}\, p, \qquad
        \text{qaly} = -q_{\text{event}}\, p - h\,1[\text{treated}],

    i.e. expected events per patient, expected cost and expected QALY change relative to
    an event-free patient (QALYs lost, so :math:`\le 0` for positive inputs). Differences
    between actions, which is what decisions depend on, are exact.

    Parameters
    ----------
    risk : xarray.DataArray or numpy.ndarray
        Untreated risk draws, dims ``(draw, unit)`` as returned by ``predict_risk`` (a 1-D
        array is one patient).
    effect : float, (draw,) array, or mapping of action name to those
        Treatment effect: a relative risk or an odds ratio (> 0; < 1 is protective). A
        mapping gives several treated actions, named by its keys.
    effect_scale : {"relative_risk", "odds_ratio"}, default "relative_risk"
        Scale of ``effect``.
    cost_treat : float, (draw,) array, or mapping of action name to those
        Cost of treating one patient (the untreated action costs 0).
    cost_event : float or (draw,) array
        Cost of one event.
    qaly_event : float or (draw,) array, default 0
        QALYs lost per event.
    harm_qaly : float, (draw,) array, or mapping, default 0
        QALYs lost by treating (side effects, disutility of treatment).
    actions : sequence of str, optional
        All action names, untreated first. Default ``("No treatment", "Treat")``, or
        ``("No treatment", *effect.keys())`` when ``effect`` is a mapping.

    Returns
    -------
    OutcomeDistribution
        Metrics ``events``, ``cost``, ``qaly`` with dims ``(draw, action, unit)``; the
        parameters given as draws are attached as ``inputs`` (for EVPPI).

    Raises
    ------
    ValidationError
        If a relative risk above 1 pushes a treated risk above 1 (use
        ``effect_scale="odds_ratio"``, which keeps risks in [0, 1]), or on invalid inputs.

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> from decisionkit.models import treatment_outcomes
    >>> rng = np.random.default_rng(0)
    >>> risk = rng.beta([2, 10, 30], [98, 90, 70], size=(2000, 3))  # or model.predict_risk(X)
    >>> out = treatment_outcomes(risk, effect=rng.lognormal(np.log(0.7), 0.1, 2000),
    ...                          cost_treat=300, cost_event=5000, qaly_event=0.5)
    >>> dk.decide(out, dk.utility.net_monetary_benefit(wtp=20000)).best.tolist()
    ['No treatment', 'Treat', 'Treat']
    """
    p0, units = _risk_array(risk)
    par = _parameters(
        p0.shape[0], effect, effect_scale, cost_treat, cost_event, qaly_event, harm_qaly, actions
    )
    names, n_act, inputs = par.actions, len(par.actions), par.inputs
    params = (
        par.theta,
        par.odds_ratio,
        par.cost_treat,
        par.harm_qaly,
        par.cost_event,
        par.qaly_event,
    )
    if _is_dask(p0):
        metrics = _lazy_metrics(p0, n_act, params, names)
    else:
        metrics = dict(zip(_METRICS, _metrics_block(p0, n_act, params, names), strict=True))
    return OutcomeDistribution.from_arrays(
        metrics,
        actions=names,
        dims=["unit"],
        coords={"unit": units},
        inputs=pd.DataFrame(inputs) if inputs else None,
        copy=False,  # the arrays were built here and are handed over, not shared
    )


@dataclass(frozen=True)
class TreatmentParameters:
    r"""The per-draw parameters :func:`treatment_outcomes` computes the outcomes from.

    Attributes
    ----------
    actions : list of str
        Action names, untreated first.
    theta, cost_treat, harm_qaly : numpy.ndarray
        (draw, action) effect (relative risk or odds ratio), cost of treating and QALYs lost
        by treating; column 0 is the untreated action (effect 1, no cost, no harm).
    cost_event, qaly_event : numpy.ndarray
        (draw,) cost of an event and QALYs lost per event.
    odds_ratio : bool
        Whether ``theta`` is an odds ratio (else a relative risk).
    inputs : dict of str to numpy.ndarray
        The parameters given as draws, by name (attached to the outcomes for EVPPI).
    """

    actions: list[str]
    theta: np.ndarray
    cost_treat: np.ndarray
    harm_qaly: np.ndarray
    cost_event: np.ndarray
    qaly_event: np.ndarray
    odds_ratio: bool
    inputs: dict[str, np.ndarray]
    #: the metrics of the outcomes, in this order
    metrics: ClassVar[tuple[str, ...]] = ("events", "cost", "qaly")


@validate_params(
    {
        "n_draws": Interval(2, None, integer=True),
        "effect_scale": Options(("relative_risk", "odds_ratio")),
    }
)
def treatment_parameters(
    n_draws: int,
    *,
    effect: Any,
    effect_scale: str = "relative_risk",
    cost_treat: Any,
    cost_event: Any,
    qaly_event: Any = 0.0,
    harm_qaly: Any = 0.0,
    actions: Sequence[str] | None = None,
) -> TreatmentParameters:
    """Check the parameters of :func:`treatment_outcomes` and lay them out per draw and action.

    Takes the same keyword arguments as :func:`treatment_outcomes` (see there) and the number
    of risk draws; numbers are repeated along ``draw``, draws are checked for length.

    Examples
    --------
    >>> from decisionkit.models import treatment_parameters
    >>> par = treatment_parameters(3, effect=0.7, cost_treat=300, cost_event=5000)
    >>> par.actions, par.theta[0].tolist(), par.cost_treat[0].tolist()
    (['No treatment', 'Treat'], [1.0, 0.7], [0.0, 300.0])
    """
    return _parameters(
        n_draws, effect, effect_scale, cost_treat, cost_event, qaly_event, harm_qaly, actions
    )


def _parameters(
    n_draws: int,
    effect: Any,
    effect_scale: str,
    cost_treat: Any,
    cost_event: Any,
    qaly_event: Any,
    harm_qaly: Any,
    actions: Sequence[str] | None,
) -> TreatmentParameters:
    if isinstance(effect, Mapping):
        treated = check_names(effect.keys(), "effect")
        default = ["No treatment", *treated]
    else:
        treated = None
        default = ["No treatment", "Treat"]
    names = check_names(default if actions is None else actions, "actions")
    if treated is None:
        if len(names) != 2:
            raise ValidationError(
                f"{caller_name()}: with one effect, 'actions' must name 2 actions (untreated, "
                f"treated); got {names}. Pass a mapping as 'effect' for several treatments."
            )
        treated = names[1:]
    elif names[1:] != treated:
        raise ValidationError(
            f"{caller_name()}: 'actions' {names} must be the untreated action followed by the "
            f"keys of 'effect' {treated}, in that order."
        )

    effects = _by_action(effect, "effect", treated)
    costs = _by_action(cost_treat, "cost_treat", treated)
    harms = _by_action(harm_qaly, "harm_qaly", treated)
    c_event = _per_draw(cost_event, "cost_event", n_draws)
    q_event = _per_draw(qaly_event, "qaly_event", n_draws)

    n_act = len(names)
    theta = np.ones((n_draws, n_act))
    treat_cost = np.zeros((n_draws, n_act))
    treat_harm = np.zeros((n_draws, n_act))
    inputs: dict[str, np.ndarray] = {}
    for k, action in enumerate(treated, start=1):
        theta[:, k] = _per_draw(effects[action], f"effect[{action!r}]", n_draws, positive=True)
        treat_cost[:, k] = _per_draw(costs[action], f"cost_treat[{action!r}]", n_draws)
        treat_harm[:, k] = _per_draw(harms[action], f"harm_qaly[{action!r}]", n_draws)
        for label, arr in (("effect", effects), ("cost_treat", costs), ("harm_qaly", harms)):
            if np.ndim(np.asarray(getattr(arr[action], "values", arr[action]))) == 1:
                inputs[f"{label}[{action}]"] = _per_draw(arr[action], label, n_draws)
    for label, value, per_draw in (
        ("cost_event", cost_event, c_event),
        ("qaly_event", qaly_event, q_event),
    ):
        if np.ndim(np.asarray(getattr(value, "values", value))) == 1:
            inputs[label] = per_draw

    return TreatmentParameters(
        actions=names,
        theta=theta,
        cost_treat=treat_cost,
        harm_qaly=treat_harm,
        cost_event=np.ascontiguousarray(c_event),
        qaly_event=np.ascontiguousarray(q_event),
        odds_ratio=effect_scale == "odds_ratio",
        inputs=inputs,
    )


def compiled_formula() -> tuple[Any, Any]:
    """The treatment formula's compiled element functions (numba), for compiled callers.

    ``treated_risk(p, theta, treated, odds)`` and ``metrics(e, cost_treat, cost_event,
    qaly_event, harm_qaly) -> (events, cost, qaly)``: the arithmetic of
    :func:`treatment_outcomes` for one draw, action and patient, in its order of operations.
    A numba loop that needs the outcomes value by value without their arrays (the
    per-patient path of :func:`decisionkit.scale.recommend`) inlines these, so its values
    are bit-identical to those of :func:`treatment_outcomes`. Importing numba happens here,
    on first use.
    """
    from decisionkit.models._consequences_jit import metrics, treated_risk

    return treated_risk, metrics


_METRICS = TreatmentParameters.metrics


def _metrics_block(
    p0: np.ndarray, n_act: int, params: tuple[Any, ...], names: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """events, cost and qaly (draw, action, unit) of a block of risk draws (draw, unit)."""
    from decisionkit.models._consequences_jit import outcomes

    theta, odds, treat_cost, treat_harm, c_event, q_event = params
    shape = (p0.shape[0], n_act, p0.shape[1])
    events, cost, qaly = np.empty(shape), np.empty(shape), np.empty(shape)
    bad, over = outcomes(
        np.ascontiguousarray(p0), theta, odds, treat_cost, treat_harm, c_event, q_event,
        events, cost, qaly,
    )  # fmt: skip
    if bad:
        raise ValidationError(
            f"{caller_name()}: 'risk' holds {bad} value(s) that are not probabilities in [0, 1] "
            "(or are NaN). Pass risk draws, e.g. from model.predict_risk(X)."
        )
    if over:
        worst = names[1 + int(np.argmax((events[:, 1:] > 1).sum(axis=(0, 2))))]
        raise ValidationError(
            f"{caller_name()}: relative risk draws of {worst!r} push {over} treated risk(s) "
            "above 1. Give the effect as an odds ratio (effect_scale='odds_ratio'), which "
            "keeps risks in [0, 1]."
        )
    return events, cost, qaly


def _lazy_metrics(p0: Any, n_act: int, params: tuple[Any, ...], names: list[str]) -> dict:
    """The three metrics of dask-backed risk, computed block by block inside the graph.

    Every block holds all draws (rechunked if needed) and at most about ``working_memory``
    of output across the three metrics, so a worker never holds more than a few blocks.
    """
    import dask.array as da

    n_draws = p0.shape[0]
    width = min(max(p0.chunksize[1], 1), chunk_values(3 * n_draws * n_act))
    p0 = p0.rechunk({0: -1, 1: width})

    # the blocks run at compute time (in a worker, after treatment_outcomes returned): their
    # errors name the public function the user called, captured now as a plain string
    name = caller_name()

    def block(p: np.ndarray) -> np.ndarray:
        return np.stack(validate_params(name=name)(_metrics_block)(p, n_act, params, names))

    stacked = da.map_blocks(
        block,
        p0,
        dtype=float,
        new_axis=[0, 2],
        chunks=((3,), (n_draws,), (n_act,), p0.chunks[1]),
        meta=np.empty((0, 0, 0, 0)),
    )
    return {name: stacked[i] for i, name in enumerate(_METRICS)}


def _is_dask(x: Any) -> bool:
    return type(x).__module__.startswith("dask")
