"""Capacity planning under uncertain demand: the newsvendor decision on demand draws."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._options import chunk_values
from decisionkit._validation import (
    Interval,
    caller_name,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.decision.analysis import decide
from decisionkit.decision.utility import Objective, cvar, linear, resolve_objective
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["CapacityPlan", "plan_capacity"]

_MAX_LEVELS = 2000
# evaluate draws x capacity levels x dates in chunks of dates holding at most this many values


@dataclass(frozen=True, repr=False, eq=False)
class CapacityPlan:
    """The result of :func:`plan_capacity` (immutable).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per date: ``date``, ``capacity`` (recommended by the chosen objective),
        ``expected_cost``, ``prob_shortage`` (P(demand > capacity)), ``expected_shortage``
        and ``expected_idle`` (units) at that capacity; the risk-averse alternative
        ``cvar_capacity`` with its ``cvar_expected_cost``, ``cvar_cost`` (mean cost in the
        worst ``cvar_alpha`` fraction of draws) and ``cvar_prob_shortage``; and demand
        ``demand_mean``, ``demand_q05``, ``demand_q95``.
    costs : pandas.DataFrame
        Long table of every (date, capacity): ``expected_cost``, ``cvar_cost``,
        ``prob_shortage``.
    shortage_cost, idle_cost : float
        Cost per unit of unmet demand and per idle unit of capacity.
    objective : str
        Name of the objective behind ``capacity``.
    cvar_alpha : float
        Tail fraction of the CVaR alternative.
    critical_fractile : float
        ``shortage_cost / (shortage_cost + idle_cost)``: the expected-cost optimum is this
        quantile of demand.
    n_draws : int
        Number of demand draws.
    """

    table: pd.DataFrame
    costs: pd.DataFrame
    shortage_cost: float
    idle_cost: float
    objective: str
    cvar_alpha: float
    n_draws: int
    has_dates: bool

    @property
    def critical_fractile(self) -> float:
        """``shortage_cost / (shortage_cost + idle_cost)``."""
        return self.shortage_cost / (self.shortage_cost + self.idle_cost)

    @property
    def recommended(self) -> float | pd.Series:
        """Recommended capacity (a Series indexed by date when demand has dates)."""
        if not self.has_dates:
            return float(self.table["capacity"].iloc[0])
        return self.table.set_index("date")["capacity"].copy()

    def to_frame(self) -> pd.DataFrame:
        """The per-date plan as a tidy DataFrame (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """A short readable report."""
        lines = [
            f"Capacity plan ({self.objective}), shortage cost {self.shortage_cost:g} per unit, "
            f"idle cost {self.idle_cost:g} per unit, {self.n_draws} demand draws",
            f"Critical fractile {self.critical_fractile:.3f}; CVaR alternative at "
            f"alpha={self.cvar_alpha:g}",
        ]
        for _, r in self.table.head(14).iterrows():
            when = f"{_date_label(r['date'])}  " if self.has_dates else ""
            lines.append(
                f"  {when}capacity {r['capacity']:>6g}  E[cost] {r['expected_cost']:>9.4g}  "
                f"P(shortage) {r['prob_shortage']:.3f}  | CVaR: {r['cvar_capacity']:>6g}"
                f" (P(shortage) {r['cvar_prob_shortage']:.3f})"
            )
        if len(self.table) > 14:
            lines.append(f"  ... {len(self.table) - 14} more dates")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<CapacityPlan>\n" + self.summary()


@validate_params(
    {
        "shortage_cost": Interval(0.0, None, closed="right"),
        "idle_cost": Interval(0.0, None, closed="right"),
        "cvar_alpha": Interval(0.0, 1.0, closed="right"),
    }
)
def plan_capacity(
    demand: Any,
    *,
    shortage_cost: float,
    idle_cost: float,
    capacities: Any = None,
    objective: Objective | str = "expected",
    cvar_alpha: float = 0.1,
) -> CapacityPlan:
    r"""Choose capacity (beds, staff) for uncertain demand with asymmetric costs.

    Each capacity level :math:`c` is an action; for demand draw :math:`D_s` its utility is

    .. math::

        U_s(c) = -\left(k_s \max(D_s - c, 0) + k_i \max(c - D_s, 0)\right),

    with :math:`k_s` the cost of a unit short and :math:`k_i` the cost of an idle unit. The
    actions are compared with :func:`decisionkit.decide`, per date. With the expected-cost
    objective this is the newsvendor problem, whose optimum is the critical-fractile
    quantile of demand, the smallest :math:`c` with
    :math:`F(c) \ge k_s / (k_s + k_i)` (Arrow, Harris and Marschak 1951). The risk-averse
    alternative minimises the conditional value-at-risk of cost, the mean cost over the
    worst ``cvar_alpha`` fraction of draws (Rockafellar and Uryasev 2000), which plans for
    the bad days rather than the average one.

    Parameters
    ----------
    demand : xarray.DataArray or numpy.ndarray
        Demand draws: a DataArray with dim ``draw`` and optionally ``date`` (e.g. from
        ``CountDemand.forecast``), or an array of shape ``(n_draws,)`` or
        ``(n_draws, n_dates)``. Finite and non-negative.
    shortage_cost, idle_cost : float
        Positive costs per unit of unmet demand and per unused unit of capacity.
    capacities : array-like, optional
        Capacity levels to compare (increasing, non-negative). Default: every integer from
        the smallest to the largest demand draw (the optimum of any objective that prefers
        lower cost in every draw lies in this range).
    objective : "expected" or Objective
        Objective behind the recommended ``capacity``: expected cost (default) or e.g.
        ``dk.utility.cvar(0.1)``.
    cvar_alpha : float
        Tail fraction of the CVaR alternative reported alongside.

    Returns
    -------
    CapacityPlan

    References
    ----------
    Arrow KJ, Harris T, Marschak J. Optimal inventory policy. Econometrica 1951;19:250-272.
    Rockafellar RT, Uryasev S. Optimization of conditional value-at-risk. J Risk 2000;2:21-42.

    Examples
    --------
    >>> import numpy as np
    >>> demand = np.random.default_rng(0).poisson(20, size=4000)
    >>> plan = plan_capacity(demand, shortage_cost=4, idle_cost=1)
    >>> plan.recommended    # close to the 0.8 quantile of Poisson(20), 24
    24.0
    """
    k_s = float(shortage_cost)
    k_i = float(idle_cost)
    alpha = float(cvar_alpha)
    obj = resolve_objective(objective)
    draws, dates, has_dates = _demand_matrix(demand)
    levels = _levels(capacities, draws)
    labels = [f"{c:g}" for c in levels]
    if len(set(labels)) != len(labels):
        raise fail("capacities", "levels distinct at 6 significant digits", capacities)
    utility = linear({"shortage": -k_s, "idle": -k_i}, name="-(capacity cost)")
    # (draw, level, date) working arrays: a few per date, sized by dk.set_options
    step = chunk_values(4 * draws.shape[0] * levels.size)
    rows, costs = [], []
    for start in range(0, draws.shape[1], step):
        chunk = slice(start, start + step)
        r, c = _plan_chunk(draws[:, chunk], dates[chunk], levels, labels, utility, obj, alpha)
        rows.append(r)
        costs.append(c)
    table = pd.concat(rows, ignore_index=True)
    if not has_dates:
        table = table.drop(columns="date")
        cost_table = pd.concat(costs, ignore_index=True).drop(columns="date")
    else:
        cost_table = pd.concat(costs, ignore_index=True)
    return CapacityPlan(table, cost_table, k_s, k_i, obj.name, alpha, draws.shape[0], has_dates)


def _plan_chunk(
    draws: np.ndarray,
    dates: np.ndarray,
    levels: np.ndarray,
    labels: list[str],
    utility: Any,
    obj: Objective,
    alpha: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decide per date for a block of dates: (draw, date) demand -> per-date rows."""
    gap = draws[:, None, :] - levels[None, :, None]  # (draw, level, date)
    out = OutcomeDistribution.from_arrays(
        {"shortage": np.maximum(gap, 0.0), "idle": np.maximum(-gap, 0.0)},
        actions=labels,
        dims=["date"],
        coords={"date": dates},
    )
    safe = decide(out, utility, objective=cvar(alpha)).table
    # the CVaR table already holds every level's expected utility, so the risk-neutral plan
    # needs no second pass over the draws; other objectives need their own ranking
    if obj.kind == "expected":
        chosen = _rank_by_expected(safe, levels=dict(zip(labels, levels, strict=True)))
    else:
        chosen = decide(out, utility, objective=obj).table
    prob_short = (gap > 0).mean(axis=0)  # (level, date)
    short = np.maximum(gap, 0.0).mean(axis=0)
    idle = np.maximum(-gap, 0.0).mean(axis=0)
    level_of = dict(zip(labels, levels, strict=True))
    date_pos = {d: i for i, d in enumerate(dates)}

    def _best(table: pd.DataFrame) -> pd.DataFrame:
        best = table[table["rank"] == 1].copy()
        best["capacity"] = best["action"].map(level_of).astype(float)
        best["_i"] = best["capacity"].map({c: i for i, c in enumerate(levels)}).astype(int)
        best["_j"] = best["date"].map(date_pos).astype(int)
        return best.sort_values("_j").reset_index(drop=True)

    b, s = _best(chosen), _best(safe)
    i, j, si = b["_i"].to_numpy(), b["_j"].to_numpy(), s["_i"].to_numpy()
    q05, q95 = np.quantile(draws, [0.05, 0.95], axis=0)
    rows = pd.DataFrame(
        {
            "date": dates,
            "capacity": b["capacity"].to_numpy(),
            "expected_cost": -b["expected_utility"].to_numpy(),
            "prob_shortage": prob_short[i, j],
            "expected_shortage": short[i, j],
            "expected_idle": idle[i, j],
            "cvar_capacity": s["capacity"].to_numpy(),
            "cvar_expected_cost": -s["expected_utility"].to_numpy(),
            "cvar_cost": -s["objective"].to_numpy(),
            "cvar_prob_shortage": prob_short[si, j],
            "demand_mean": draws.mean(axis=0),
            "demand_q05": q05,
            "demand_q95": q95,
        }
    )
    st = safe.assign(capacity=safe["action"].map(level_of).astype(float))
    st = st.sort_values(["date", "capacity"])
    costs = pd.DataFrame(
        {
            "date": st["date"].to_numpy(),
            "capacity": st["capacity"].to_numpy(),
            "expected_cost": -st["expected_utility"].to_numpy(),
            "cvar_cost": -st["objective"].to_numpy(),
        }
    )
    costs["prob_shortage"] = prob_short.T.ravel()  # (date, level) order, as sorted above
    return rows, costs


def _rank_by_expected(table: pd.DataFrame, *, levels: dict[str, float]) -> pd.DataFrame:
    """Mark rank 1 on the level with the highest expected utility per date.

    Ties go to the lowest capacity, which is decide()'s rule (higher mean, then action order;
    actions are the levels in increasing order).
    """
    ordered = table.assign(_level=table["action"].map(levels)).sort_values(
        ["date", "_level"], kind="stable"
    )
    best = ordered.groupby("date", sort=False)["expected_utility"].idxmax()
    ranked = ordered.drop(columns="_level").assign(rank=2)
    ranked.loc[best.to_numpy(), "rank"] = 1
    return ranked


def _date_label(value: Any) -> str:
    """A readable label for a date coordinate: a calendar day, or the label as given."""
    if isinstance(value, np.datetime64 | pd.Timestamp):
        return f"{pd.Timestamp(value):%a %Y-%m-%d}"
    if isinstance(value, int | np.integer) or (isinstance(value, float) and value.is_integer()):
        return f"day {int(value)}"  # numbered columns of a plain (draw, date) array
    return str(value)


def _demand_matrix(demand: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """Demand as a float (draw, date) matrix, its date labels, and whether dates were given."""
    if isinstance(demand, xr.DataArray):
        extra = [d for d in demand.dims if d not in ("draw", "date")]
        if "draw" not in demand.dims or extra:
            raise fail(
                "demand",
                "a DataArray with dims 'draw' and optionally 'date'",
                f"dims {tuple(demand.dims)}",
                hint="Rename or select the other dims first (e.g. .sel(ward='ICU')).",
            )
        has_dates = "date" in demand.dims
        da = demand.transpose("draw", "date") if has_dates else demand.expand_dims("date", 1)
        dates = da["date"].values if "date" in da.coords else np.arange(da.sizes["date"])
        values = da.values
    elif isinstance(demand, np.ndarray | list | tuple | pd.Series):
        values = np.asarray(demand)
        if values.ndim not in (1, 2):
            raise fail(
                "demand", "an array of shape (n_draws,) or (n_draws, n_dates)",
                f"shape {values.shape}",
            )  # fmt: skip
        has_dates = values.ndim == 2
        values = values if has_dates else values[:, None]
        dates = np.arange(values.shape[1])
    else:
        raise fail("demand", "an xarray DataArray or numpy array", type(demand).__name__)
    if values.dtype.kind not in "biuf":
        raise fail("demand", "numeric draws", values.dtype)
    values = values.astype(float)
    finite_or_raise(values, "The demand draws passed to plan_capacity")
    if values.shape[0] < 2:
        raise fail("demand", "at least 2 draws", f"{values.shape[0]} draw(s)")
    if np.any(values < 0):
        raise ValidationError(
            f"The demand draws passed to {caller_name()} hold {int((values < 0).sum())} negative "
            "value(s); demand must be non-negative. Check the forecast model."
        )
    return values, np.asarray(dates), has_dates


def _levels(capacities: Any, draws: np.ndarray) -> np.ndarray:
    if capacities is None:
        lo, hi = np.floor(draws.min()), np.ceil(draws.max())
        if hi - lo + 1 > _MAX_LEVELS:
            raise ValidationError(
                f"Demand spans {lo:g} to {hi:g}, which would give {hi - lo + 1:g} integer "
                f"capacity levels (more than {_MAX_LEVELS}). Pass capacities= with a coarser "
                "grid, e.g. np.linspace(lo, hi, 200)."
            )
        return np.arange(lo, hi + 1)
    try:
        levels = np.asarray(capacities, dtype=float)
    except (TypeError, ValueError):
        raise fail("capacities", "a 1-D array of numbers", capacities) from None
    if levels.ndim != 1 or levels.size < 2:
        raise fail("capacities", "a 1-D array of at least 2 levels", capacities)
    if np.any(~np.isfinite(levels)) or np.any(levels < 0):
        raise fail("capacities", "finite and non-negative", capacities)
    if np.any(np.diff(levels) <= 0):
        raise fail("capacities", "strictly increasing", capacities, hint="Sort them.")
    return levels
