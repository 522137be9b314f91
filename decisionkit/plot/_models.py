"""Plots for the model layer: forecast fan chart, hierarchical shrinkage, capacity plan."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import check_probability, fail, validate_params

__all__ = ["plot_capacity_plan", "plot_forecast", "plot_group_rates"]


def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _legend_with_headroom(ax: Any) -> None:
    """Start the y-axis at 0 and leave room above the data for a two-column legend."""
    top = ax.get_ylim()[1]
    ax.set_ylim(0, top * 1.3)
    ax.legend(loc="upper left", ncol=2, fontsize="small", framealpha=0.9)


def _objective_label(name: str) -> str:
    return "lowest expected cost" if name == "expected utility" else f"lowest {name} of cost"


@validate_params()
def plot_forecast(
    forecast: xr.DataArray,
    *,
    observed: pd.Series | None = None,
    probs: tuple[float, ...] = (0.5, 0.9),
    ylabel: str = "count per day",
    ax: Any = None,
) -> Any:
    """Fan chart of predictive draws over dates, with optional observed counts.

    Parameters
    ----------
    forecast : xarray.DataArray
        Draws with dims ``(draw, date)``, e.g. from ``CountDemand.forecast``.
    observed : pandas.Series, optional
        Observed counts indexed by date (e.g. the last weeks of ``model.observed_``).
    probs : tuple of float
        Probabilities of the central bands (lighter for wider).
    ylabel : str
        Y-axis label (give the unit, e.g. "ICU admissions per day").
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(forecast, xr.DataArray) or set(forecast.dims) != {"draw", "date"}:
        raise fail("forecast", "a DataArray with dims ('draw', 'date')", forecast)
    probs = tuple(sorted((check_probability(p, "probs") for p in probs), reverse=True))
    ax = _axes(ax, (9, 4))
    fc = forecast.transpose("draw", "date")
    dates = pd.DatetimeIndex(fc["date"].values)
    values = np.asarray(fc.values, dtype=float)
    color = "C0"
    for i, p in enumerate(probs):
        lo, hi = np.quantile(values, [(1 - p) / 2, (1 + p) / 2], axis=0)
        ax.fill_between(
            dates, lo, hi, step="mid", color=color, alpha=0.18 + 0.17 * i,
            linewidth=0, label=f"{p:.0%} predictive interval",
        )  # fmt: skip
    ax.plot(
        dates, np.median(values, axis=0), color=color, lw=1.8, drawstyle="steps-mid",
        label="forecast median",
    )  # fmt: skip
    if observed is not None:
        obs = pd.Series(observed)
        ax.plot(
            pd.DatetimeIndex(obs.index), obs.to_numpy(), "o-", color="0.2", ms=3, lw=0.8,
            label="observed",
        )  # fmt: skip
    ax.set_xlabel("date")
    ax.set_ylabel(ylabel)
    ax.set_title(f"Forecast ({values.shape[0]} posterior-predictive draws)")
    _legend_with_headroom(ax)
    ax.figure.autofmt_xdate()
    return ax


@validate_params()
def plot_group_rates(
    model: Any,
    *,
    prob: float = 0.95,
    scale: float = 100.0,
    unit: str = "events per 100",
    ax: Any = None,
) -> Any:
    """Caterpillar plot of a fitted HierarchicalRates: raw rates, shrunken posteriors, pool.

    Each group shows its raw rate (open marker), its posterior mean (filled) with the
    central ``prob`` interval, and an arrow of the shrinkage between them; the dashed line is
    the posterior mean of the pooled rate. Groups are sorted by posterior mean and labelled
    with their sample size.

    Parameters
    ----------
    model : HierarchicalRates
        A fitted model.
    prob : float
        Interval probability.
    scale, unit : float, str
        Rates are multiplied by ``scale`` and the axis is labelled ``unit`` (default: per 100).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not hasattr(model, "summary") or not hasattr(model, "pooled_rate"):
        raise fail("model", "a fitted HierarchicalRates", type(model).__name__)
    s = model.summary(prob=prob).sort_values("mean").reset_index(drop=True)
    ax = _axes(ax, (7, 0.45 * len(s) + 1.5))
    y = np.arange(len(s))
    ax.hlines(
        y, s["lower"] * scale, s["upper"] * scale, color="C0", lw=2, label=f"{prob:.0%} interval"
    )
    ax.plot(s["mean"] * scale, y, "o", color="C0", label="posterior mean (partially pooled)")
    ax.plot(s["raw_rate"] * scale, y, "o", mfc="white", color="C3", label="raw rate (events / n)")
    for yi, raw, post in zip(y, s["raw_rate"] * scale, s["mean"] * scale, strict=True):
        ax.annotate(
            "", xy=(post, yi), xytext=(raw, yi),
            arrowprops={"arrowstyle": "->", "color": "0.5", "lw": 0.8},
        )  # fmt: skip
    pooled = float(model.pooled_rate().mean()) * scale
    ax.axvline(pooled, ls="--", color="0.4", lw=1, label="pooled rate")
    ax.set_yticks(y, [f"{g} (n={n})" for g, n in zip(s["group"], s["n"], strict=True)])
    ax.set_xlabel(unit)
    ax.set_title("Event rate per group: raw vs partially pooled")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize="small")
    ax.set_xlim(left=0)
    return ax


@validate_params()
def plot_capacity_plan(
    plan: Any, *, ylabel: str = "units per day (demand, capacity)", ax: Any = None
) -> Any:
    """Recommended capacity per date over the demand's 90% interval, with the CVaR plan.

    Parameters
    ----------
    plan : CapacityPlan
        From :func:`decisionkit.capacity.plan_capacity` with dated demand.
    ylabel : str
        Y-axis label (give the unit, e.g. "ICU beds").
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not hasattr(plan, "table") or "cvar_capacity" not in getattr(plan, "table", {}):
        raise fail("plan", "a CapacityPlan", type(plan).__name__)
    t = plan.table
    x = pd.DatetimeIndex(t["date"]) if plan.has_dates else np.arange(len(t))
    ax = _axes(ax, (9, 4))
    ax.fill_between(
        x, t["demand_q05"], t["demand_q95"], step="mid", color="0.85",
        label="demand, 90% predictive interval",
    )  # fmt: skip
    ax.plot(x, t["demand_mean"], color="0.45", lw=1, label="expected demand")
    ax.step(
        x, t["capacity"], where="mid", color="C0", lw=2,
        label=f"recommended capacity ({_objective_label(plan.objective)})",
    )  # fmt: skip
    ax.step(
        x, t["cvar_capacity"], where="mid", color="C3", lw=1.5, ls="--",
        label=f"risk-averse CVaR({plan.cvar_alpha:g}) capacity",
    )  # fmt: skip
    ax.set_ylabel(ylabel)
    ax.set_xlabel("date" if plan.has_dates else "period")
    ax.set_title(
        f"Capacity plan: cost {plan.shortage_cost:g} per unit short, {plan.idle_cost:g} per "
        f"idle unit (critical fractile {plan.critical_fractile:.2f})"
    )
    _legend_with_headroom(ax)
    if plan.has_dates:
        ax.figure.autofmt_xdate()
    return ax
