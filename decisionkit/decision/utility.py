"""Utility factories and risk objectives.

A *utility* maps an :class:`~decisionkit.OutcomeDistribution` to utility draws: a DataArray
with dims ``draw``, ``action`` and any extra dims (a ``wtp`` grid adds one). Factories check
their parameters at once and return an immutable, pure callable with one fixed signature,
``utility(outcomes) -> xarray.DataArray``.

An *objective* reduces utility draws over ``draw`` to one number per action: the expected
value (default, risk-neutral), the conditional value-at-risk (mean of the worst ``alpha``
fraction of draws, risk-averse) or a quantile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from decisionkit._validation import (
    Interval,
    check_names,
    check_number,
    check_wtp,
    fail,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import ACTION, DRAW, OutcomeDistribution, require_outcomes

__all__ = [
    "Objective",
    "Utility",
    "custom",
    "cvar",
    "expected_value",
    "exponential",
    "linear",
    "net_health_benefit",
    "net_monetary_benefit",
    "quantile",
]


@dataclass(frozen=True)
class Utility:
    """A pure mapping from outcome draws to utility draws.

    Attributes
    ----------
    name : str
        Readable name used in tables and plots.
    fn : callable
        ``fn(outcomes, grid_values) -> DataArray``; ``grid_values`` is None or a 1-D array
        of the grid dim (e.g. wtp) to evaluate.
    metrics : tuple of str
        Metrics the utility reads.
    grid_dim, grid : str, numpy.ndarray
        Optional grid dim the utility adds (e.g. ``"wtp"``) and its values. decide() evaluates
        the grid in chunks so that draws x actions x grid never sits in memory at once.
    steps : tuple of (str, str, float), optional
        For a utility computed value by value from the metrics (``linear``, and net benefit
        at one wtp): the arithmetic of ``fn``, which evaluates them on the metric arrays,
        as steps ``(op, metric, weight)`` applied in order to a running value ``u``:
        ``"set"`` (u = metric), ``"scale"`` (u = weight * metric), ``"add_scaled"``
        (u = u + weight * metric), ``"sub"`` (u = u - metric), ``"sub_div"``
        (u = u - metric / weight). Compiled callers that
        never build the metric arrays (the per-patient path of
        :func:`decisionkit.scale.recommend`) evaluate these and get the same floats as
        ``fn``. None for other utilities.
    """

    name: str
    fn: Callable[[OutcomeDistribution, np.ndarray | None], xr.DataArray] = field(repr=False)
    metrics: tuple[str, ...] = ()
    grid_dim: str | None = None
    grid: np.ndarray | None = field(default=None, repr=False)
    steps: tuple[tuple[str, str, float], ...] | None = field(default=None, repr=False)

    def __call__(self, outcomes: OutcomeDistribution) -> xr.DataArray:
        """Utility draws for ``outcomes`` (the full grid, if any)."""
        return self.evaluate(outcomes)

    @validate_params()
    def evaluate(
        self, outcomes: OutcomeDistribution, grid_values: np.ndarray | None = None
    ) -> xr.DataArray:
        """Utility draws, optionally on a subset ``grid_values`` of the grid."""
        require_outcomes(outcomes, f"utility {self.name!r}")
        for m in self.metrics:
            outcomes.metric(m)  # raises with the list of available metrics
        if self.grid is not None and grid_values is None:
            grid_values = self.grid
        return self.fn(outcomes, grid_values)


@validate_params()
def linear(weights: Mapping[str, float], *, name: str | None = None) -> Utility:
    """Weighted sum of metrics: ``u = sum_m w_m * metric_m``.

    Examples
    --------
    >>> u = linear({"qaly": 20_000, "cost": -1})   # net monetary benefit at 20,000 per QALY
    """
    if not isinstance(weights, Mapping) or not weights:
        raise fail("weights", "a non-empty dict of metric name to weight", weights)
    metrics = tuple(check_names(weights.keys(), "weights"))
    w = {
        m: check_number(v, f"weights['{m}']")
        for m, v in zip(metrics, weights.values(), strict=True)
    }

    steps = tuple(
        ("scale" if i == 0 else "add_scaled", m, float(w[m])) for i, m in enumerate(metrics)
    )

    def fn(out: OutcomeDistribution, _grid: np.ndarray | None) -> xr.DataArray:
        return _evaluate_steps(out, steps)

    label = name or " + ".join(f"{v:g}*{m}" for m, v in w.items())
    return Utility(label, fn, metrics, steps=steps)


def _evaluate_steps(out: OutcomeDistribution, steps: tuple[tuple[str, str, float], ...]) -> Any:
    """Utility draws from the metric arrays by ``steps`` (see :attr:`Utility.steps`).

    The one definition of the linear utilities' arithmetic: compiled callers evaluate the
    same steps value by value and get the same floats. A running value built here is
    updated in place (one utility-sized array, per-patient blocks are large); a metric is
    never modified.
    """
    u: Any = None
    fresh = False  # u is an array made here (not a metric), so it may be updated in place
    for op, metric, w in steps:
        m = out.metric(metric)
        if op == "set":
            u, fresh = m, False
        elif op == "scale":
            u, fresh = w * m, True
        elif op == "add_scaled" and fresh:
            u += w * m
        elif op == "add_scaled":
            u, fresh = u + w * m, True
        elif op == "sub" and fresh:
            u -= m
        elif op == "sub":
            u, fresh = u - m, True
        elif op == "sub_div":
            u, fresh = u - m / w, True
        else:
            raise ValueError(f"unknown utility step {op!r}")
    return u.rename("utility")


def _wtp_utility(effect: str, cost: str, wtp: Any, health: bool) -> Utility:
    effect = check_names([effect], "effect")[0]
    cost = check_names([cost], "cost")[0]
    scalar, grid = check_wtp(wtp, positive=health)
    steps = None
    if grid is None:
        assert scalar is not None  # check_wtp gives a scalar or a grid
        w = float(scalar)
        # NHB = effect - cost / wtp; NMB = wtp * effect - cost
        if health:
            steps = (("set", effect, 1.0), ("sub_div", cost, w))
        else:
            steps = (("scale", effect, w), ("sub", cost, 1.0))

    def fn(out: OutcomeDistribution, grid_values: np.ndarray | None) -> xr.DataArray:
        if grid_values is None:
            assert steps is not None
            return _evaluate_steps(out, steps).transpose(DRAW, ACTION, ...)
        e, c = out.metric(effect), out.metric(cost)
        # grid: build the values in the decision kernel's layout, (..., wtp, draw, action)
        # in memory, and expose them as (draw, action, ..., wtp) without copying
        rest = e.dims[2:]
        if out.is_lazy:
            return _lazy_grid(e, c, np.asarray(grid_values, dtype=float), health)
        k = np.asarray(grid_values, dtype=float).reshape((-1, 1, 1))
        # (..., 1, draw, action) views of the (draw, action, ...) metric arrays
        ev = np.moveaxis(e.values, (0, 1), (-2, -1))[..., None, :, :]
        cv = np.moveaxis(c.values, (0, 1), (-2, -1))[..., None, :, :]
        if health:
            values = np.divide(cv, k)
            np.subtract(ev, values, out=values)
        else:
            values = np.multiply(k, ev)
            values -= cv  # in place: one grid-sized array, no temporaries
        view = np.moveaxis(values, (-2, -1), (0, 1))  # (draw, action, ..., wtp), no copy
        da = xr.DataArray(
            view, dims=(DRAW, ACTION, *rest, "wtp"), coords={"wtp": k.reshape(-1)}, name="utility"
        )
        return da.assign_coords(e.coords)

    kind = "net health benefit" if health else "net monetary benefit"
    label = f"{kind} (wtp={scalar:g})" if grid is None else f"{kind} over {grid.size} wtp values"
    return Utility(
        label, fn, (effect, cost), "wtp" if grid is not None else None, grid, steps=steps
    )


def _lazy_grid(e: xr.DataArray, c: xr.DataArray, grid: np.ndarray, health: bool) -> xr.DataArray:
    """Net benefit on a grid of dask-backed metrics: one lazy array, chunked along ``wtp``.

    The same elementwise arithmetic as the in-memory grid, applied block by block; wtp is
    chunked so that a block (draws x actions x the other dims' chunk x wtp) fits in
    ``dk.set_options(working_memory=...)``.
    """
    from decisionkit._options import chunk_values

    rest = e.dims[2:]
    per_value = e.sizes[DRAW] * e.sizes[ACTION]
    for d, sizes in zip(e.dims, e.chunks or (), strict=False):
        if d in rest:
            per_value *= max(sizes)
    k = xr.DataArray(grid, dims="wtp", coords={"wtp": grid})
    nb = e - c / k if health else k * e - c
    nb = nb.transpose(DRAW, ACTION, *rest, "wtp").chunk({"wtp": chunk_values(per_value)})
    return nb.rename("utility")


@validate_params()
def net_monetary_benefit(*, effect: str = "qaly", cost: str = "cost", wtp: Any) -> Utility:
    r"""Net monetary benefit :math:`NMB = \lambda E - C` at willingness to pay :math:`\lambda`.

    Parameters
    ----------
    effect, cost : str
        Names of the effect (e.g. QALYs) and cost metrics.
    wtp : float or 1-D array
        Willingness to pay per unit of effect; a grid adds a ``wtp`` dim.

    References
    ----------
    Stinnett AA, Mullahy J. Net health benefits: a new framework for the analysis of
    uncertainty in cost-effectiveness analysis. Med Decis Making 1998;18(2 Suppl):S68-80.

    Examples
    --------
    >>> u = net_monetary_benefit(effect="qaly", cost="cost", wtp=20_000)
    """
    return _wtp_utility(effect, cost, wtp, health=False)


@validate_params()
def net_health_benefit(*, effect: str = "qaly", cost: str = "cost", wtp: Any) -> Utility:
    r"""Net health benefit :math:`NHB = E - C / \lambda` (in units of effect); ``wtp > 0``.

    References
    ----------
    Stinnett AA, Mullahy J. Med Decis Making 1998;18(2 Suppl):S68-80.
    """
    return _wtp_utility(effect, cost, wtp, health=True)


@validate_params({"risk_aversion": Interval(None, None)})
def exponential(metric: str, *, risk_aversion: float) -> Utility:
    r"""Constant absolute risk aversion: :math:`u(x) = (1 - e^{-a x}) / a`.

    ``risk_aversion`` :math:`a > 0` is risk-averse, :math:`a < 0` risk-seeking and
    :math:`a = 0` gives the risk-neutral :math:`u(x) = x`. The utility is increasing in ``x``
    for every ``a``, so higher outcomes are always preferred.

    References
    ----------
    Pratt JW. Risk aversion in the small and in the large. Econometrica 1964;32:122-136.
    """
    metric = check_names([metric], "metric")[0]
    a = float(risk_aversion)

    def fn(out: OutcomeDistribution, _grid: np.ndarray | None) -> xr.DataArray:
        x = out.metric(metric)
        if a == 0:
            return x.rename("utility")
        u = -xr.apply_ufunc(np.expm1, -a * x, dask="allowed") / a  # lazy on dask data
        if not np.isfinite(u.values).all():
            raise ValidationError(
                f"exponential utility overflowed for metric '{metric}' with risk_aversion={a:g}"
                ". Rescale the metric (e.g. thousands of pounds) or lower risk_aversion."
            )
        return u.rename("utility")

    return Utility(f"exponential({metric}, a={a:g})", fn, (metric,))


@validate_params()
def custom(func: Callable[[OutcomeDistribution], Any], *, name: str | None = None) -> Utility:
    """Wrap a user function ``func(outcomes) -> array`` as a checked Utility.

    The output may be a DataArray with dims ``("draw", "action", ...)`` or an array of shape
    ``(n_draws, n_actions, *extra)`` matching the outcomes' dims; anything else, or NaN/inf,
    raises a clear error.
    """
    if not callable(func):
        raise fail("func", "a callable taking an OutcomeDistribution", func)
    label = name or getattr(func, "__name__", "custom utility")

    def fn(out: OutcomeDistribution, _grid: np.ndarray | None) -> xr.DataArray:
        result = func(out)
        template = out.metric(out.metrics[0])
        if isinstance(result, xr.DataArray):
            if result.dims[:2] != (DRAW, ACTION) and set(result.dims) >= {DRAW, ACTION}:
                result = result.transpose(DRAW, ACTION, ...)
            ok = result.dims[:2] == (DRAW, ACTION) and result.shape[:2] == template.shape[:2]
            if not ok:
                raise ValidationError(
                    f"Utility {label!r} returned dims {dict(result.sizes)}; expected "
                    f"('draw': {out.n_draws}, 'action': {out.n_actions}, ...)."
                )
            da = result
        else:
            arr = np.asarray(result, dtype=float)
            if arr.shape != template.shape:
                raise ValidationError(
                    f"Utility {label!r} returned shape {arr.shape}; expected {template.shape} "
                    f"(draws, actions{''.join(', ' + d for d in out.extra_dims)})."
                )
            da = template.copy(data=arr)
        if not np.isfinite(np.asarray(da.values, dtype=float)).all():
            raise ValidationError(f"Utility {label!r} returned NaN or infinite values.")
        return da.rename("utility")

    return Utility(str(label), fn, ())


# ---------------------------------------------------------------------- objectives
@dataclass(frozen=True)
class Objective:
    """Reduces utility draws over ``draw`` to one value per action (higher is better)."""

    name: str
    kind: str
    level: float | None = None

    def __call__(self, u: xr.DataArray) -> xr.DataArray:
        """Objective value per action (and extra dims) of utility draws ``u``."""
        from decisionkit.decision._kernel import objective_values

        return objective_values(u, self.kind, self.level)


def expected_value() -> Objective:
    """Risk-neutral objective: the expected utility."""
    return Objective("expected utility", "expected")


@validate_params({"alpha": Interval(0.0, 1.0, closed="right")})
def cvar(alpha: float = 0.1) -> Objective:
    r"""Conditional value-at-risk: the mean utility over the worst ``alpha`` fraction of draws.

    With draws sorted :math:`u_{(1)} \le \dots \le u_{(n)}` and :math:`k = \alpha n`, this is
    :math:`\frac{1}{k}\left(\sum_{i \le \lfloor k \rfloor} u_{(i)} + (k - \lfloor k \rfloor)
    u_{(\lfloor k \rfloor + 1)}\right)`. ``alpha = 1`` is the expected value.

    References
    ----------
    Rockafellar RT, Uryasev S. Optimization of conditional value-at-risk. J Risk 2000;2:21-42.
    """
    a = float(alpha)
    return Objective(f"CVaR({a:g})", "cvar", a)


@validate_params({"q": Interval(0.0, 1.0)})
def quantile(q: float = 0.05) -> Objective:
    """The ``q`` quantile of the utility draws (e.g. a 5th percentile guarantee)."""
    level = float(q)
    return Objective(f"quantile({level:g})", "quantile", level)


def resolve_objective(objective: Any) -> Objective:
    """Accept an Objective or the names 'expected', 'mean'."""
    if isinstance(objective, Objective):
        return objective
    if objective in ("expected", "mean", "expected_value"):
        return expected_value()
    raise fail("objective", "'expected' or an Objective such as dk.utility.cvar(0.1)", objective)
