r"""Deterministic sensitivity analysis: one-way, tornado, two-way and break-even.

A *model* is any callable ``model(params) -> outcomes`` taking a dict of parameter values
and returning either an :class:`~decisionkit.OutcomeDistribution` (its expected cost and
effect per strategy are used) or a dict ``{strategy: {"cost": c, "qaly": e}}`` (or
``{strategy: (c, e)}``) of deterministic values. The outcome compared across strategies is
the net monetary benefit :math:`NMB_a = \lambda E_a - C_a` (``outcome="nmb"``), the net
health benefit :math:`NHB_a = E_a - C_a / \lambda` (``"nhb"``), or the cost or effect alone.

Each parameter value needs one model run, so these functions loop over parameter values
(not over draws); the model itself should be vectorised over its draws.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    Interval,
    Options,
    caller_name,
    check_names,
    check_number,
    fail,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["BreakEvenResult", "OneWayResult", "TwoWayResult", "break_even", "one_way", "two_way"]

_OUTCOMES = ("nmb", "nhb", "cost", "effect")


# ---------------------------------------------------------------------- results
@dataclass(frozen=True, repr=False, eq=False)
class OneWayResult:
    """The result of :func:`one_way` (immutable).

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy: ``parameter, value, strategy, cost, effect`` and the outcome column.
    base : pandas.DataFrame
        Per strategy at the base-case parameters: ``strategy, cost, effect, <outcome>``.
    base_params : dict
        The base-case parameter values.
    outcome : str
        ``"nmb"``, ``"nhb"``, ``"cost"`` or ``"effect"``.
    wtp : float
        Willingness to pay used for the outcome.
    """

    frame: pd.DataFrame
    base: pd.DataFrame
    base_params: dict[str, Any]
    outcome: str
    wtp: float

    @property
    def parameters(self) -> list[str]:
        """Parameters varied, in input order."""
        return list(pd.unique(self.frame["parameter"]))

    @property
    def base_optimal(self) -> str:
        """Strategy with the best outcome at the base case (lowest cost for ``"cost"``)."""
        return _optimal_name(self.base, self.outcome)

    def to_frame(self) -> pd.DataFrame:
        """The tidy per (parameter, value, strategy) table (a copy)."""
        return self.frame.copy()

    def optimal(self) -> pd.DataFrame:
        """Optimal strategy per (parameter, value): ``parameter, value, strategy``."""
        f = self.frame
        sign = -1.0 if self.outcome == "cost" else 1.0
        idx = (sign * f[self.outcome]).groupby([f["parameter"], f["value"]], sort=False).idxmax()
        return f.loc[idx.to_numpy(), ["parameter", "value", "strategy"]].reset_index(drop=True)

    @validate_params()
    def tornado(self, strategy: str | None = None) -> pd.DataFrame:
        """Tornado table: the outcome of ``strategy`` at each parameter's low and high value.

        Columns ``parameter, low, high, outcome_low, outcome_high, base, swing`` (``swing`` =
        ``|outcome_high - outcome_low|``), sorted by decreasing swing. The default strategy is
        the base-case optimum.
        """
        strategy = self.base_optimal if strategy is None else strategy
        names = list(self.base["strategy"])
        if strategy not in names:
            raise fail("strategy", f"one of {names}", strategy)
        f = self.frame[self.frame["strategy"] == strategy]
        g = f.groupby("parameter", sort=False)
        lo = f.loc[g["value"].idxmin().to_numpy()].set_index("parameter")
        hi = f.loc[g["value"].idxmax().to_numpy()].set_index("parameter")
        base_value = float(self.base.set_index("strategy").loc[strategy, self.outcome])
        out = pd.DataFrame(
            {
                "parameter": lo.index.to_numpy(),
                "low": lo["value"].to_numpy(),
                "high": hi["value"].to_numpy(),
                "outcome_low": lo[self.outcome].to_numpy(),
                "outcome_high": hi[self.outcome].to_numpy(),
                "base": base_value,
            }
        )
        out["swing"] = (out["outcome_high"] - out["outcome_low"]).abs()
        out = out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
        out.attrs["strategy"] = strategy
        return out

    def summary(self) -> str:
        """A short readable report: base case and the parameters ranked by swing."""
        lines = [
            f"One-way sensitivity analysis of {self.outcome} (wtp {self.wtp:,.6g}), "
            f"{len(self.parameters)} parameters; base-case optimum {self.base_optimal!r}"
        ]
        t = self.tornado()
        for _, r in t.iterrows():
            lines.append(
                f"  {r.parameter:<20} {r.low:.4g} to {r.high:.4g}: {self.outcome} "
                f"{r.outcome_low:,.6g} to {r.outcome_high:,.6g} (swing {r.swing:,.6g})"
            )
        changes = self.optimal().groupby("parameter", sort=False)["strategy"].nunique()
        flips = [p for p, n in changes.items() if n > 1]
        lines.append(f"Optimal strategy changes within the range of: {flips or 'none'}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<OneWayResult>\n" + self.summary()


@dataclass(frozen=True, repr=False, eq=False)
class TwoWayResult:
    """The result of :func:`two_way` (immutable).

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy: ``x, y, strategy, cost, effect, <outcome>, optimal`` (``x``, ``y`` are the
        values of ``param_x`` and ``param_y``).
    param_x, param_y : str
        The two parameters varied.
    outcome : str
        Outcome compared.
    wtp : float
        Willingness to pay.
    """

    frame: pd.DataFrame
    param_x: str
    param_y: str
    outcome: str
    wtp: float

    @property
    def strategies(self) -> list[str]:
        """Strategies in model order."""
        return list(pd.unique(self.frame["strategy"]))

    def to_frame(self) -> pd.DataFrame:
        """The tidy per (x, y, strategy) table (a copy)."""
        return self.frame.copy()

    def optimal(self) -> pd.DataFrame:
        """Grid of the optimal strategy: index ``param_y`` values, columns ``param_x`` values."""
        return _optimal_grid(self.frame, self.param_x, self.param_y)

    def summary(self) -> str:
        """A short readable report: how many grid cells each strategy wins."""
        counts = self.frame[self.frame["optimal"]]["strategy"].value_counts()
        lines = [
            f"Two-way sensitivity analysis of {self.outcome} (wtp {self.wtp:,.6g}) over "
            f"{self.param_x} x {self.param_y}: optimal strategy per cell"
        ]
        lines += [f"  {s}: {n} cells" for s, n in counts.items()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<TwoWayResult>\n" + self.summary()


@dataclass(frozen=True)
class BreakEvenResult:
    """The result of :func:`break_even` (immutable).

    Attributes
    ----------
    parameter : str
        Parameter varied.
    value : float
        Parameter value at which the two strategies have equal outcome.
    strategies : tuple of str
        The two strategies compared.
    outcome_value : float
        Their (common) outcome at ``value``.
    bounds : tuple of float
        Search interval.
    """

    parameter: str
    value: float
    strategies: tuple[str, str]
    outcome_value: float
    bounds: tuple[float, float]

    def __float__(self) -> float:
        return float(self.value)

    def summary(self) -> str:
        """One line: the break-even value."""
        a, b = self.strategies
        return f"{a} and {b} break even at {self.parameter} = {self.value:.6g}"


# ---------------------------------------------------------------------- functions
@validate_params(
    {"model": callable, "outcome": Options(_OUTCOMES), "n_points": Interval(2, None, integer=True)}
)
def one_way(
    model: Callable[[dict[str, Any]], Any],
    base: Mapping[str, Any],
    ranges: Mapping[str, Sequence[float]],
    *,
    wtp: float,
    outcome: str = "nmb",
    n_points: int = 11,
    cost: str = "cost",
    effect: str = "qaly",
) -> OneWayResult:
    r"""One-way sensitivity analysis: each parameter over its range, the others at base.

    Parameters
    ----------
    model : callable
        ``model(params) -> OutcomeDistribution`` or ``{strategy: {cost: c, effect: e}}``.
    base : mapping
        Base-case parameter values (passed to ``model`` with one entry changed at a time).
    ranges : mapping of str to (low, high)
        Range of each parameter to vary; it is evaluated at ``n_points`` evenly spaced
        values including both ends. Every parameter must be in ``base``.
    wtp : float
        Willingness to pay per unit of effect (> 0 for ``outcome="nhb"``).
    outcome : {"nmb", "nhb", "cost", "effect"}
        Outcome reported: net monetary benefit :math:`\lambda E - C`, net health benefit
        :math:`E - C/\lambda`, cost or effect.
    n_points : int
        Values per parameter (>= 2).
    cost, effect : str
        Metric (or key) names of cost and effect in the model output.

    Returns
    -------
    OneWayResult

    References
    ----------
    Briggs AH, Weinstein MC, Fenwick EAL, et al. Model parameter estimation and uncertainty
    analysis: a report of the ISPOR-SMDM Modeling Good Research Practices Task Force-6.
    Med Decis Making 2012;32:722-732.

    Examples
    --------
    >>> import decisionkit as dk
    >>> def model(p):
    ...     return {"Old": {"cost": 100, "qaly": 1.0},
    ...             "New": {"cost": p["drug_cost"], "qaly": 1.0 + p["gain"]}}
    >>> res = dk.sensitivity.one_way(model, {"drug_cost": 500, "gain": 0.05},
    ...                              {"drug_cost": (300, 900), "gain": (0.01, 0.1)}, wtp=20_000)
    >>> res.base_optimal
    'New'
    """
    base = _check_base(base)
    wtp = _check_wtp(wtp, outcome)
    n_points = int(n_points)
    if not isinstance(ranges, Mapping) or not ranges:
        raise fail("ranges", "a non-empty dict of parameter name to (low, high)", ranges)
    grids = {}
    for name in check_names(ranges.keys(), "ranges"):
        _check_known(name, base)
        grids[name] = np.linspace(*_check_bounds(ranges[name], f"ranges['{name}']"), n_points)
    names, c0, e0 = _evaluate(model, base, cost, effect, None)
    rows = []
    for name, values in grids.items():
        for v in values:
            _, c, e = _evaluate(model, {**base, name: float(v)}, cost, effect, names)
            rows.append((name, float(v), c, e))
    k = len(names)
    c_all = np.concatenate([r[2] for r in rows])
    e_all = np.concatenate([r[3] for r in rows])
    frame = pd.DataFrame(
        {
            "parameter": np.repeat([r[0] for r in rows], k),
            "value": np.repeat([r[1] for r in rows], k),
            "strategy": np.tile(names, len(rows)),
            "cost": c_all,
            "effect": e_all,
            outcome: _outcome(c_all, e_all, wtp, outcome),
        }
    )
    base_frame = pd.DataFrame(
        {"strategy": names, "cost": c0, "effect": e0, outcome: _outcome(c0, e0, wtp, outcome)}
    )
    return OneWayResult(frame, base_frame, dict(base), outcome, wtp)


@validate_params({"model": callable, "outcome": Options(_OUTCOMES)})
def two_way(
    model: Callable[[dict[str, Any]], Any],
    base: Mapping[str, Any],
    param_x: str,
    values_x: Sequence[float],
    param_y: str,
    values_y: Sequence[float],
    *,
    wtp: float,
    outcome: str = "nmb",
    cost: str = "cost",
    effect: str = "qaly",
) -> TwoWayResult:
    """Two-way sensitivity analysis: the optimal strategy on a grid of two parameters.

    The model runs once per grid cell with the other parameters at ``base``. The optimal
    strategy maximises the outcome (minimises it for ``outcome="cost"``; ties go to the
    strategy listed first).

    Parameters
    ----------
    model, base, wtp, outcome, cost, effect
        As in :func:`one_way`.
    param_x, param_y : str
        The two parameters (both in ``base``, different).
    values_x, values_y : 1-D sequence of float
        Values of each parameter.

    Returns
    -------
    TwoWayResult
    """
    base = _check_base(base)
    wtp = _check_wtp(wtp, outcome)
    for p in (param_x, param_y):
        _check_known(p, base)
    if param_x == param_y:
        raise fail("param_y", f"a parameter other than param_x ({param_x!r})", param_y)
    xs = _check_values(values_x, "values_x")
    ys = _check_values(values_y, "values_y")
    names, _, _ = _evaluate(model, base, cost, effect, None)
    k = len(names)
    cells = [(x, y) for y in ys for x in xs]
    runs = [
        _evaluate(model, {**base, param_x: x, param_y: y}, cost, effect, names) for x, y in cells
    ]
    c = np.concatenate([r[1] for r in runs])
    e = np.concatenate([r[2] for r in runs])
    value = _outcome(c, e, wtp, outcome)
    sign = -1.0 if outcome == "cost" else 1.0
    best = np.argmax(sign * value.reshape(len(cells), k), axis=1)
    frame = pd.DataFrame(
        {
            "x": np.repeat([x for x, _ in cells], k),
            "y": np.repeat([y for _, y in cells], k),
            "strategy": np.tile(names, len(cells)),
            "cost": c,
            "effect": e,
            outcome: value,
            "optimal": (best[:, None] == np.arange(k)).ravel(),
        }
    )
    return TwoWayResult(frame, param_x, param_y, outcome, wtp)


@validate_params(
    {
        "model": callable,
        "outcome": Options(_OUTCOMES),
        "xtol": Interval(0.0, None, closed="neither"),
    }
)
def break_even(
    model: Callable[[dict[str, Any]], Any],
    base: Mapping[str, Any],
    parameter: str,
    bounds: tuple[float, float],
    *,
    wtp: float,
    strategies: Sequence[str] | None = None,
    outcome: str = "nmb",
    cost: str = "cost",
    effect: str = "qaly",
    xtol: float = 1e-10,
) -> BreakEvenResult:
    r"""Parameter value at which two strategies have the same outcome (the optimum switches).

    Solves :math:`g(x) = O_a(x) - O_b(x) = 0` for the parameter :math:`x` in ``bounds`` by
    Brent's method (:func:`scipy.optimize.brentq`), where :math:`O` is the outcome
    (net monetary benefit by default). :math:`g` must change sign over ``bounds``.

    Parameters
    ----------
    model, base, wtp, outcome, cost, effect
        As in :func:`one_way`.
    parameter : str
        The parameter to vary (in ``base``).
    bounds : (low, high)
        Search interval.
    strategies : (a, b), optional
        The two strategies to compare. Default: the optimal strategy at ``low`` and the one
        at ``high`` (an error if they are the same).
    xtol : float
        Absolute tolerance on the parameter value.

    Returns
    -------
    BreakEvenResult

    References
    ----------
    Brent RP. Algorithms for Minimization without Derivatives. Prentice-Hall, 1973.
    """
    from scipy.optimize import brentq

    base = _check_base(base)
    wtp = _check_wtp(wtp, outcome)
    _check_known(parameter, base)
    lo, hi = _check_bounds(bounds, "bounds")
    xtol = float(xtol)
    names, _, _ = _evaluate(model, base, cost, effect, None)
    sign = -1.0 if outcome == "cost" else 1.0

    def values(x: float) -> np.ndarray:
        _, c, e = _evaluate(model, {**base, parameter: float(x)}, cost, effect, names)
        return sign * _outcome(c, e, wtp, outcome)

    v_lo, v_hi = values(lo), values(hi)
    if strategies is None:
        a, b = int(np.argmax(v_lo)), int(np.argmax(v_hi))
        if a == b:
            raise ValidationError(
                f"{caller_name()}: {names[a]!r} is optimal at both ends of {parameter} in "
                f"[{lo:g}, {hi:g}], so the optimal strategy does not change there. Widen "
                "'bounds' or pass strategies=(a, b) to compare two strategies."
            )
    else:
        pair = check_names(strategies, "strategies")
        unknown = [s for s in pair if s not in names]
        if len(pair) != 2 or unknown:
            raise fail("strategies", f"two of the strategies {names}", strategies)
        a, b = names.index(pair[0]), names.index(pair[1])
    g_lo, g_hi = v_lo[a] - v_lo[b], v_hi[a] - v_hi[b]
    if g_lo == 0.0 or g_hi == 0.0:
        root = lo if g_lo == 0.0 else hi
    elif np.sign(g_lo) == np.sign(g_hi):
        raise ValidationError(
            f"{caller_name()}: the {outcome} difference {names[a]} - {names[b]} has the same sign "
            f"at both ends of {parameter} in [{lo:g}, {hi:g}] ({g_lo:.6g} and {g_hi:.6g}), so "
            "there is no break-even value there. Widen 'bounds' or check the strategies."
        )
    else:
        root = brentq(lambda x: (lambda v: v[a] - v[b])(values(x)), lo, hi, xtol=xtol)
    at = float(sign * values(root)[a])
    return BreakEvenResult(parameter, float(root), (names[a], names[b]), at, (lo, hi))


# ---------------------------------------------------------------------- helpers
def _optimal_grid(frame: pd.DataFrame, param_x: str, param_y: str) -> pd.DataFrame:
    """Optimal strategy per cell of a tidy two-way frame (``x, y, strategy, optimal``)."""
    best = frame[frame["optimal"]]
    grid = best.pivot(index="y", columns="x", values="strategy")
    return grid.rename_axis(index=param_y, columns=param_x)


def _check_base(base: Any) -> dict[str, Any]:
    if not isinstance(base, Mapping) or not base:
        raise fail("base", "a non-empty dict of base-case parameter values", base)
    return dict(base)


def _check_known(name: str, base: Mapping[str, Any]) -> None:
    if name not in base:
        raise ValidationError(
            f"{caller_name()}: parameter {name!r} is not in 'base' (its parameters are "
            f"{list(base)}). Add its base-case value to 'base' or fix the name."
        )


def _check_wtp(wtp: Any, outcome: str) -> float:
    """The willingness to pay: >= 0, and > 0 for the net health benefit (it divides by it)."""
    return check_number(wtp, "wtp", low=0.0, low_inclusive=outcome != "nhb")


def _check_bounds(bounds: Any, param: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in bounds)
    except (TypeError, ValueError):
        raise fail(param, "a pair (low, high) of numbers", bounds) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise fail(param, "a pair (low, high) of finite numbers with low < high", bounds)
    return lo, hi


def _check_values(values: Any, param: str) -> list[float]:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise fail(param, "a 1-D sequence of numbers", values) from None
    if arr.ndim != 1 or arr.size == 0 or not np.isfinite(arr).all():
        raise fail(param, "a non-empty 1-D sequence of finite numbers", values)
    return [float(v) for v in arr]


def _outcome(c: np.ndarray, e: np.ndarray, wtp: float, outcome: str) -> np.ndarray:
    if outcome == "nmb":
        return wtp * e - c
    if outcome == "nhb":
        return e - c / wtp
    return c if outcome == "cost" else e


def _optimal_name(table: pd.DataFrame, outcome: str) -> str:
    sign = -1.0 if outcome == "cost" else 1.0
    return str(table["strategy"].iloc[int(np.argmax(sign * table[outcome].to_numpy()))])


def _evaluate(
    model: Any,
    params: dict[str, Any],
    cost: str,
    effect: str,
    expected_names: list[str] | None,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Run the model once; return strategy names and expected cost and effect per strategy."""
    out = model(dict(params))
    if isinstance(out, OutcomeDistribution):
        names = out.actions
        c = np.asarray(out.metric(cost).mean("draw").values, dtype=float)
        e = np.asarray(out.metric(effect).mean("draw").values, dtype=float)
    elif isinstance(out, Mapping) and out:
        names = check_names(out.keys(), "model output")
        c, e = np.empty(len(names)), np.empty(len(names))
        for i, value in enumerate(out.values()):
            c[i], e[i] = _cost_effect(value, names[i], cost, effect)
    else:
        raise ValidationError(
            f"{caller_name()}: the model returned {type(out).__name__}; it must return an "
            "OutcomeDistribution or a dict {strategy: {'cost': c, 'qaly': e}}."
        )
    if c.ndim != 1 or not (np.isfinite(c).all() and np.isfinite(e).all()):
        raise ValidationError(
            f"{caller_name()}: the model returned non-finite or non-scalar cost/effect for "
            f"parameters {params}. Check the model at these values."
        )
    if expected_names is not None and names != expected_names:
        raise ValidationError(
            f"{caller_name()}: the model returned strategies {names} for parameters {params}, but "
            f"{expected_names} at the base case. It must return the same strategies each time."
        )
    return names, c, e


def _cost_effect(value: Any, name: str, cost: str, effect: str) -> tuple[Any, Any]:
    if isinstance(value, Mapping):
        missing = [m for m in (cost, effect) if m not in value]
        if missing:
            raise ValidationError(
                f"{caller_name()}: the model output for {name!r} has no {missing} entry (it has "
                f"{list(value)}). Pass cost=/effect= with the names the model uses."
            )
        return float(value[cost]), float(value[effect])
    try:
        c, e = value
        return float(c), float(e)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{caller_name()}: the model output for {name!r} must be "
            f"{{'{cost}': c, '{effect}': e}} or a pair (cost, effect); got {value!r}."
        ) from None
