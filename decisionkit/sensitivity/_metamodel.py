r"""Sensitivity analysis from the PSA itself: dampack's regression metamodel.

Users who have probabilistic sensitivity analysis (PSA) draws but no deterministic model can
still ask how the decision depends on each parameter. Following dampack's ``owsa(psa)`` and
``twsa(psa)`` (Jalal and Alarid-Escudero), a linear regression *metamodel* of the utility of
each strategy on a polynomial of the parameter(s) is fitted over the PSA draws and predicted
across each parameter's range:

- one-way (``metamodel(analysis = "oneway", type = "poly")``): for each parameter
  :math:`\theta_p` and strategy :math:`a`, :math:`U_a = \beta_0 + \sum_{j=1}^{d}
  \beta_j \theta_p^j + \varepsilon`, the parameter *alone* (dampack's formula is
  ``y ~ poly(p, d, raw = TRUE)``; the other parameters do not enter it, so the fit estimates
  :math:`E[U_a \mid \theta_p]` with the others averaged over their PSA distribution);
- two-way (``analysis = "twoway"``): ``y ~ poly(p1, d) + poly(p2, d) + poly(p1, d):poly(p2, d)``,
  i.e. every product :math:`\theta_1^i \theta_2^j` with :math:`0 \le i, j \le d`.

Predictions use ``n_points`` evenly spaced values over each parameter's range, by default its
2.5% and 97.5% PSA quantiles (dampack's ``make_param_seq``). The regression is linear in the
utility, so the prediction of a difference of strategies is the difference of predictions.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._format import number
from decisionkit._validation import Interval, caller_name, check_names, fail, validate_params
from decisionkit.exceptions import DecisionKitWarning, ValidationError
from decisionkit.sensitivity._deterministic import _check_bounds, _optimal_grid

__all__ = ["OneWayPSAResult", "TwoWayPSAResult", "one_way_psa", "two_way_psa"]

_QUANTILES = (0.025, 0.975)  # dampack's default range: the middle 95% of the PSA draws

# the metamodel's settings, shared with one_way_psa_metrics
SETTINGS = {"degree": Interval(1, 5, integer=True), "n_points": Interval(2, None, integer=True)}


# ---------------------------------------------------------------------- results
@dataclass(frozen=True, repr=False, eq=False)
class OneWayPSAResult:
    r"""The result of :func:`one_way_psa` (immutable).

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy predictions: ``parameter, value, strategy, expected_utility`` (the metamodel's
        :math:`E[U_a \mid \theta_p = v]`).
    base : pandas.Series
        PSA mean utility per strategy (index ``strategy``): the base of the tornado.
    ranges : dict of str to (float, float)
        Range predicted for each parameter.
    r_squared : pandas.DataFrame
        R-squared of each metamodel fit (index ``parameter``, one column per strategy;
        dampack's ``summary(metamodel)``).
    utility : str
        Name of the utility (e.g. ``"net monetary benefit (wtp=51000)"``).
    degree : int
        Polynomial degree of the metamodel.
    """

    frame: pd.DataFrame
    base: pd.Series
    ranges: dict[str, tuple[float, float]]
    r_squared: pd.DataFrame
    utility: str
    degree: int
    _fits: dict[str, tuple[float, float, np.ndarray]] = field(repr=False)

    @property
    def parameters(self) -> list[str]:
        """Parameters analysed, in input order."""
        return list(self.ranges)

    @property
    def strategies(self) -> list[str]:
        """Strategies, in the order of the outcomes."""
        return [str(s) for s in self.base.index]

    @property
    def base_optimal(self) -> str:
        """Strategy with the highest PSA mean utility."""
        return str(self.base.idxmax())

    @validate_params()
    def predict(self, parameter: str, values: Any) -> pd.DataFrame:
        """Metamodel prediction at any ``values`` of ``parameter`` (one column per strategy)."""
        if parameter not in self._fits:
            raise fail("parameter", f"one of {self.parameters}", parameter)
        v = np.asarray(values, dtype=float).ravel()
        mean, scale, coef = self._fits[parameter]
        pred = _powers((v - mean) / scale, self.degree) @ coef
        return pd.DataFrame(pred, index=pd.Index(v, name=parameter), columns=self.strategies)

    def to_frame(self) -> pd.DataFrame:
        """The tidy per (parameter, value, strategy) predictions (a copy)."""
        return self.frame.copy()

    @validate_params()
    def tornado(self, strategy: str | None = None, reference: str | None = None) -> pd.DataFrame:
        """Tornado table: the predicted utility at each parameter's low and high value.

        Parameters
        ----------
        strategy : str, optional
            Strategy whose utility is shown (default: :attr:`base_optimal`).
        reference : str, optional
            If given, the *incremental* utility ``strategy - reference`` is shown instead.

        Returns
        -------
        pandas.DataFrame
            ``parameter, low, high, outcome_low, outcome_high, base, swing`` (``swing`` =
            ``|outcome_high - outcome_low|``), by decreasing swing; ``base`` is the PSA mean.
        """
        strategy = self.base_optimal if strategy is None else strategy
        pick = self._strategy_check(strategy, "strategy")
        sign = {pick: 1.0}
        if reference is not None:
            ref = self._strategy_check(reference, "reference")
            if ref == pick:
                raise fail("reference", f"a strategy other than {pick!r}", reference)
            sign[ref] = -1.0
        f = self.frame[self.frame["strategy"].isin(sign)]
        value = f["expected_utility"] * f["strategy"].map(sign)
        by = value.groupby([f["parameter"], f["value"]], sort=False).sum().reset_index()
        ends = by.groupby("parameter", sort=False)
        lo = by.loc[ends["value"].idxmin().to_numpy()]
        hi = by.loc[ends["value"].idxmax().to_numpy()]
        out = pd.DataFrame(
            {
                "parameter": lo["parameter"].to_numpy(),
                "low": lo["value"].to_numpy(),
                "high": hi["value"].to_numpy(),
                "outcome_low": lo[0].to_numpy(),
                "outcome_high": hi[0].to_numpy(),
                "base": float(sum(s * self.base[k] for k, s in sign.items())),
            }
        )
        out["swing"] = (out["outcome_high"] - out["outcome_low"]).abs()
        out = out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
        out.attrs["strategy"] = pick if reference is None else f"{pick} vs {reference}"
        return out

    def optimal(self) -> pd.DataFrame:
        """Where each strategy is optimal (dampack's ``owsa_opt_strat``).

        Returns ``parameter, strategy, low, high``: one row per run of consecutive grid
        values over which ``strategy`` has the highest predicted utility (ties go to the
        strategy listed first). Unlike dampack, which keeps one row per strategy spanning
        its minimum and maximum, two separate runs of the same strategy stay two rows.
        """
        f = self.frame
        wide = f.pivot_table(
            index=["parameter", "value"], columns="strategy", values="expected_utility", sort=False
        )[self.strategies]
        best = np.asarray(self.strategies, dtype=object)[np.argmax(wide.to_numpy(), axis=1)]
        rows = []
        params = wide.index.get_level_values(0).to_numpy()
        values = wide.index.get_level_values(1).to_numpy(dtype=float)
        for p in self.parameters:
            at = np.flatnonzero(params == p)
            b, v = best[at], values[at]
            starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
            stops = np.r_[starts[1:], b.size] - 1
            rows += [(p, b[i], v[i], v[j]) for i, j in zip(starts, stops, strict=True)]
        return pd.DataFrame(rows, columns=["parameter", "strategy", "low", "high"])

    @property
    def summary(self) -> pd.DataFrame:
        """One row per parameter, by decreasing swing of the base-optimal strategy's utility.

        Columns ``parameter, low, high, outcome_low, outcome_high, swing, optimal`` (the
        strategies optimal somewhere in the range, in order) and ``r_squared`` (of the
        base-optimal strategy's fit).
        """
        t = self.tornado().drop(columns="base")
        opt = self.optimal().groupby("parameter", sort=False)["strategy"]
        t["optimal"] = t["parameter"].map(opt.agg(lambda s: ", ".join(pd.unique(s))))
        t["r_squared"] = t["parameter"].map(self.r_squared[self.base_optimal])
        return t

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        lines = [
            f"<OneWayPSAResult> {self.utility}: degree-{self.degree} metamodel of "
            f"{len(self.parameters)} parameters; PSA-mean optimum {self.base_optimal!r}"
        ]
        for _, r in self.summary.iterrows():
            lines.append(
                f"  {r.parameter:<16} {number(r.low)} to {number(r.high)}: "
                f"{number(r.outcome_low, 4)} to {number(r.outcome_high, 4)} (swing "
                f"{number(r.swing)}); optimal {r.optimal}; R2 {r.r_squared:.3f}"
            )
        return "\n".join(lines)

    def _strategy_check(self, name: Any, param: str) -> str:
        if name not in self.strategies:
            raise fail(param, f"one of the strategies {self.strategies}", name)
        return str(name)


@dataclass(frozen=True, repr=False, eq=False)
class TwoWayPSAResult:
    """The result of :func:`two_way_psa` (immutable).

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy: ``x, y, strategy, expected_utility, optimal`` (``x``, ``y`` are the values of
        ``param_x`` and ``param_y``; ``optimal`` marks the best strategy of each cell).
    param_x, param_y : str
        The two parameters.
    r_squared : pandas.Series
        R-squared of each strategy's metamodel.
    utility : str
        Name of the utility.
    degree : int
        Polynomial degree per parameter.
    """

    frame: pd.DataFrame
    param_x: str
    param_y: str
    r_squared: pd.Series
    utility: str
    degree: int

    @property
    def strategies(self) -> list[str]:
        """Strategies, in the order of the outcomes."""
        return [str(s) for s in self.r_squared.index]

    def to_frame(self) -> pd.DataFrame:
        """The tidy per (x, y, strategy) predictions (a copy)."""
        return self.frame.copy()

    def optimal(self) -> pd.DataFrame:
        """Grid of the optimal strategy: index ``param_y`` values, columns ``param_x`` values."""
        return _optimal_grid(self.frame, self.param_x, self.param_y)

    @property
    def summary(self) -> pd.DataFrame:
        """Per strategy: grid cells where it is optimal, their share, and its fit's R-squared."""
        cells = self.frame.loc[self.frame["optimal"], "strategy"].value_counts()
        cells = cells.reindex(self.strategies, fill_value=0)
        return pd.DataFrame(
            {
                "strategy": self.strategies,
                "cells": cells.to_numpy(),
                "share": cells.to_numpy() / cells.sum(),
                "r_squared": self.r_squared.to_numpy(),
            }
        )

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        lines = [
            f"<TwoWayPSAResult> {self.utility} over {self.param_x} x {self.param_y} "
            f"(degree-{self.degree} metamodel): optimal strategy per grid cell"
        ]
        for _, r in self.summary.iterrows():
            lines.append(f"  {r.strategy}: {r.cells} cells ({r.share:.0%}), R2 {r.r_squared:.3f}")
        return "\n".join(lines)


# ---------------------------------------------------------------------- functions
@validate_params(SETTINGS)
def one_way_psa(
    outcomes: Any,
    utility: Any,
    parameters: Sequence[str] | None = None,
    *,
    inputs: pd.DataFrame | None = None,
    degree: int = 2,
    n_points: int = 100,
    ranges: Mapping[str, Sequence[float]] | None = None,
    strategies: Sequence[str] | None = None,
) -> OneWayPSAResult:
    r"""One-way sensitivity analysis from PSA draws, through a polynomial metamodel.

    For each parameter :math:`\theta_p` and strategy :math:`a`, fits by least squares

    .. math:: U_a = \beta_{0} + \sum_{j=1}^{d} \beta_{j} \theta_p^{\,j} + \varepsilon

    over the PSA draws (the parameter alone, as dampack's one-way metamodel), then predicts
    :math:`E[U_a \mid \theta_p = v]` at ``n_points`` evenly spaced values ``v`` across the
    parameter's range. The fit is computed on the standardised parameter, which gives the
    same predictions as dampack's raw polynomial with better conditioning.

    Parameters
    ----------
    outcomes : OutcomeDistribution
        PSA draws, with the parameter draws attached (``inputs=``) or passed as ``inputs``.
    utility : Utility, callable or float
        The outcome compared, e.g. ``dk.utility.net_monetary_benefit(wtp=51_000)``; a number
        is shorthand for the net monetary benefit at that willingness to pay with metrics
        ``qaly`` and ``cost``. A single value, not a wtp grid.
    parameters : list of str, optional
        Parameters to analyse (default: every numeric input column that varies; a named
        parameter without variation is an error).
    inputs : DataFrame, optional
        Parameter draws, one row per draw (default: those attached to ``outcomes``).
    degree : int
        Polynomial degree (dampack's ``poly.order``, default 2: quadratic).
    n_points : int
        Predicted values per parameter (dampack's ``nsamp``, default 100).
    ranges : mapping of str to (low, high), optional
        Ranges of some parameters; the others span their 2.5% to 97.5% PSA quantiles. A
        range beyond the PSA draws warns (the metamodel extrapolates there).
    strategies : list of str, optional
        Strategies to include (default: all).

    Returns
    -------
    OneWayPSAResult

    References
    ----------
    Jalal H, Dowd B, Sainfort F, Kuntz KM. Linear regression metamodeling as a tool to
    summarize and present simulation model results. Med Decis Making 2013;33(7):880-890.

    Alarid-Escudero F, Knowlton G, Easterly CA, Enns EA. Decision analytic modeling package
    (dampack), R package version 1.0, https://github.com/DARTH-git/dampack.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import decisionkit as dk
    >>> rng = np.random.default_rng(1)
    >>> p = pd.DataFrame({"p_cure": rng.beta(20, 80, 1000)})
    >>> out = dk.OutcomeDistribution.from_arrays(
    ...     {"qaly": np.column_stack([np.full(1000, 1.0), 0.9 + p["p_cure"]]),
    ...      "cost": np.column_stack([np.zeros(1000), np.full(1000, 2000.0)])},
    ...     actions=["Old", "New"], inputs=p)
    >>> res = dk.sensitivity.one_way_psa(out, 20_000)
    >>> res.optimal()[["strategy", "low", "high"]].round(3).values.tolist()  # switch at 0.2
    [['Old', 0.125, 0.199], ['New', 0.201, 0.282]]
    """
    name, names, u, params, x = _prepare(outcomes, utility, parameters, inputs, strategies)
    degree, n_points = int(degree), int(n_points)
    bounds = _ranges(ranges, params, x)
    k = len(names)
    fits: dict[str, tuple[float, float, np.ndarray]] = {}
    r2 = np.empty((len(params), k))
    grids, preds = [], []
    for j, p in enumerate(params):
        mean, scale = float(x[:, j].mean()), float(x[:, j].std())
        design = _powers((x[:, j] - mean) / scale, degree)
        coef, r2[j] = _fit(design, u, [p], degree)
        fits[p] = (mean, scale, coef)
        grid = np.linspace(*bounds[p], n_points)
        grids.append(grid)
        preds.append(_powers((grid - mean) / scale, degree) @ coef)
    return _one_way_result(name, names, bounds, grids, preds, u.mean(axis=0), r2, degree, fits)


def _one_way_result(
    name: str,
    names: list[str],
    bounds: dict[str, tuple[float, float]],
    grids: Sequence[np.ndarray],
    preds: Sequence[np.ndarray],
    base: np.ndarray,
    r2: np.ndarray,
    degree: int,
    fits: dict[str, tuple[float, float, np.ndarray]],
) -> OneWayPSAResult:
    """The result from per-parameter grids, predictions ``(n_points, k)`` and fits."""
    params = list(bounds)
    n_points, k = len(grids[0]), len(names)
    frame = pd.DataFrame(
        {
            "parameter": np.repeat(params, n_points * k),
            "value": np.repeat(np.concatenate(grids), k),
            "strategy": np.tile(names, len(params) * n_points),
            "expected_utility": np.concatenate(preds).ravel(),
        }
    )
    base_s = pd.Series(base, index=pd.Index(names, name="strategy"), name="base")
    r_squared = pd.DataFrame(r2, index=pd.Index(params, name="parameter"), columns=names)
    return OneWayPSAResult(frame, base_s, bounds, r_squared, name, degree, fits)


@validate_params(SETTINGS)
def two_way_psa(
    outcomes: Any,
    utility: Any,
    param_x: str,
    param_y: str,
    *,
    inputs: pd.DataFrame | None = None,
    degree: int = 2,
    n_points: int = 100,
    ranges: Mapping[str, Sequence[float]] | None = None,
    strategies: Sequence[str] | None = None,
) -> TwoWayPSAResult:
    r"""Two-way sensitivity analysis from PSA draws: the optimal strategy on a grid.

    For each strategy fits :math:`U_a = \sum_{i=0}^{d}\sum_{j=0}^{d} \beta_{ij}\,
    \theta_x^{\,i}\theta_y^{\,j} + \varepsilon` (dampack's two-way formula ``poly(x, d) +
    poly(y, d) + poly(x, d):poly(y, d)``) and predicts it on an ``n_points`` x ``n_points``
    grid over the two ranges; each cell's optimal strategy has the highest prediction (ties
    go to the strategy listed first).

    Parameters
    ----------
    outcomes, utility, inputs, degree, n_points, ranges, strategies
        As in :func:`one_way_psa`.
    param_x, param_y : str
        The two parameters (different input columns).

    Returns
    -------
    TwoWayPSAResult

    References
    ----------
    Jalal H, Dowd B, Sainfort F, Kuntz KM. Med Decis Making 2013;33(7):880-890.
    """
    if param_x == param_y:
        raise fail("param_y", f"a parameter other than param_x ({param_x!r})", param_y)
    pair = [param_x, param_y]
    name, names, u, params, x = _prepare(outcomes, utility, pair, inputs, strategies)
    degree, n_points = int(degree), int(n_points)
    bounds = _ranges(ranges, params, x)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    z = (x - mean) / scale
    coef, r2 = _fit(_tensor(z[:, 0], z[:, 1], degree), u, pair, degree)
    gx, gy = (np.linspace(*bounds[p], n_points) for p in pair)
    cx, cy = np.meshgrid(gx, gy)  # y-major: cell (i, j) is (gx[j], gy[i])
    zx, zy = (cx.ravel() - mean[0]) / scale[0], (cy.ravel() - mean[1]) / scale[1]
    pred = _tensor(zx, zy, degree) @ coef
    k = len(names)
    best = np.argmax(pred, axis=1)
    frame = pd.DataFrame(
        {
            "x": np.repeat(cx.ravel(), k),
            "y": np.repeat(cy.ravel(), k),
            "strategy": np.tile(names, cx.size),
            "expected_utility": pred.ravel(),
            "optimal": (best[:, None] == np.arange(k)).ravel(),
        }
    )
    r_squared = pd.Series(r2, index=pd.Index(names, name="strategy"), name="r_squared")
    return TwoWayPSAResult(frame, param_x, param_y, r_squared, name, degree)


# ---------------------------------------------------------------------- helpers
def _powers(z: np.ndarray, degree: int) -> np.ndarray:
    """Design matrix ``[1, z, z**2, ..., z**degree]``."""
    out = np.empty((z.size, degree + 1))
    out[:, 0] = 1.0
    for j in range(1, degree + 1):  # repeated products: exact for small integer powers
        np.multiply(out[:, j - 1], z, out=out[:, j])
    return out


def _tensor(zx: np.ndarray, zy: np.ndarray, degree: int) -> np.ndarray:
    """Every product ``zx**i * zy**j`` for ``0 <= i, j <= degree``."""
    px, py = _powers(zx, degree), _powers(zy, degree)
    return (px[:, :, None] * py[:, None, :]).reshape(zx.size, -1)


def _fit(
    design: np.ndarray, u: np.ndarray, params: list[str], degree: int
) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares coefficients (columns per strategy) and R-squared per strategy."""
    coef, _, rank, _ = np.linalg.lstsq(design, u, rcond=None)
    if rank < design.shape[1]:
        raise ValidationError(
            f"{caller_name()}: the degree-{degree} metamodel of {params} cannot be fitted: the "
            f"parameter draws take too few distinct values ({design.shape[1]} coefficients, "
            f"rank {rank}). Lower 'degree' or use a parameter that varies across the PSA."
        )
    resid = u - design @ coef
    ss_tot = ((u - u.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - (resid**2).sum(axis=0) / ss_tot, np.nan)
    return coef, r2


def _prepare(
    outcomes: Any,
    utility: Any,
    parameters: Sequence[str] | None,
    inputs: Any,
    strategies: Sequence[str] | None,
) -> tuple[str, list[str], np.ndarray, list[str], np.ndarray]:
    """Checked utility name, strategy names, utility draws (n, k), parameter names, draws."""
    from decisionkit.voi._evppi import resolve_inputs

    name, names, u = _utility_matrix(outcomes, utility, strategies)
    frame = resolve_inputs(outcomes, inputs)
    available = [str(c) for c in frame.columns]
    if parameters is None:  # every numeric input that varies; constants are not parameters
        params = [
            c
            for c in available
            if pd.api.types.is_numeric_dtype(frame[c]) and frame[c].nunique(dropna=False) > 1
        ]
        if not params:
            raise ValidationError(
                f"{caller_name()}: none of the inputs {available} varies across the draws, so "
                "there is nothing to analyse. Attach the PSA parameter draws with inputs=."
            )
    else:
        params = check_names(parameters, "parameters")
    missing = [p for p in params if p not in available]
    if missing:
        raise ValidationError(
            f"{caller_name()}: parameter(s) {missing} are not among the inputs; the available "
            f"parameters are {available}. Fix the name or attach the draws with inputs=."
        )
    x = np.empty((u.shape[0], len(params)))
    for j, p in enumerate(params):
        col = frame[p]
        if not pd.api.types.is_numeric_dtype(col) or not np.isfinite(col.to_numpy(float)).all():
            raise ValidationError(
                f"{caller_name()}: parameter {p!r} must hold finite numbers (dtype {col.dtype}); "
                "encode categories as 0/1 indicators and drop missing draws."
            )
        x[:, j] = col.to_numpy(float)
        if np.ptp(x[:, j]) == 0:
            raise ValidationError(
                f"{caller_name()}: parameter {p!r} has no variation (every draw equals "
                f"{x[0, j]:g}), so the metamodel cannot tell how the utility changes with "
                "it. Drop it from 'parameters' or vary it in the PSA."
            )
    return name, names, u, params, x


def _utility_matrix(
    outcomes: Any, utility: Any, strategies: Sequence[str] | None
) -> tuple[str, list[str], np.ndarray]:
    """Checked utility name, strategy names and utility draws ``(n, k)`` at one value."""
    from decisionkit.decision.utility import net_monetary_benefit
    from decisionkit.voi._evppi import utility_draws

    if isinstance(utility, numbers.Real) and not isinstance(utility, bool):
        utility = net_monetary_benefit(wtp=utility)
    nb = utility_draws(outcomes, utility)
    if nb.grid_dim is not None and nb.values.shape[2] != 1:
        raise fail("utility", "a utility at one willingness to pay, not a grid", utility.name)
    names, u = list(nb.actions), nb.values[:, :, 0]
    if strategies is not None:
        wanted = check_names(strategies, "strategies")
        unknown = [s for s in wanted if s not in names]
        if unknown or len(wanted) < 2:
            raise fail("strategies", f"at least two of the strategies {names}", strategies)
        u = u[:, [names.index(s) for s in wanted]]
        names = wanted
    return str(getattr(utility, "name", "utility")), names, u


def _ranges(
    ranges: Mapping[str, Sequence[float]] | None, params: list[str], x: np.ndarray
) -> dict[str, tuple[float, float]]:
    """Range per parameter: the user's, else the 2.5% and 97.5% PSA quantiles."""
    given: dict[str, tuple[float, float]] = {}
    if ranges is not None:
        if not isinstance(ranges, Mapping):
            raise fail("ranges", "a dict of parameter name to (low, high)", ranges)
        for name, pair in ranges.items():
            if name not in params:
                raise fail("ranges", f"keyed by the parameters analysed {params}", name)
            given[name] = _check_bounds(pair, f"ranges['{name}']")
    out = {}
    for j, p in enumerate(params):
        if p in given:
            lo, hi = given[p]
            if lo < x[:, j].min() or hi > x[:, j].max():
                warnings.warn(
                    f"{caller_name()}: the range [{lo:g}, {hi:g}] of {p!r} goes beyond its "
                    f"PSA draws [{x[:, j].min():g}, {x[:, j].max():g}]; the metamodel "
                    "extrapolates there.",
                    DecisionKitWarning,
                    stacklevel=4,  # past this helper, the function and @validate_params
                )
            out[p] = (lo, hi)
        else:
            lo, hi = np.quantile(x[:, j], _QUANTILES)
            out[p] = (float(lo), float(hi))
    return out
