"""Deterministic sensitivity plots: tornado diagram and two-way optimal-strategy map."""

from __future__ import annotations

from typing import Any

import numpy as np

from decisionkit._validation import fail
from decisionkit.plot._cea import _money
from decisionkit.sensitivity import OneWayResult, TwoWayResult

__all__ = ["tornado", "two_way"]

_LABELS = {
    "nmb": "Net monetary benefit",
    "nhb": "Net health benefit",
    "cost": "Cost",
    "effect": "Effect",
}


def _axes(ax: Any) -> Any:
    import matplotlib.pyplot as plt

    return plt.gca() if ax is None else ax


def _unit(outcome: str, currency: str, effect_unit: str) -> str:
    return effect_unit if outcome in ("nhb", "effect") else currency


def tornado(
    result: OneWayResult,
    *,
    strategy: str | None = None,
    ax: Any = None,
    currency: str = "$",
    effect_unit: str = "QALYs",
) -> Any:
    """Tornado diagram of a one-way sensitivity analysis.

    One horizontal bar per parameter, widest swing on top, from the base-case outcome to
    the outcome at the parameter's low value (one colour) and at its high value (another);
    the parameter values are written at the bar ends.

    Parameters
    ----------
    result : OneWayResult
        From :func:`decisionkit.sensitivity.one_way`.
    strategy : str, optional
        Strategy whose outcome is shown (default: the base-case optimum).
    ax : matplotlib Axes, optional
    currency, effect_unit : str
        Unit labels.
    """
    if not isinstance(result, OneWayResult):
        raise fail("result", "tornado", "a OneWayResult", type(result).__name__)
    ax = _axes(ax)
    t = result.tornado(strategy)
    unit = _unit(result.outcome, currency, effect_unit)
    base = float(t["base"].iloc[0]) if len(t) else 0.0
    y = np.arange(len(t))[::-1]
    ax.barh(y, t["outcome_low"] - base, left=base, color="tab:blue", label="Low value")
    ax.barh(y, t["outcome_high"] - base, left=base, color="tab:orange", label="High value")
    for yi, (_, r) in zip(y, t.iterrows(), strict=True):
        for end, val in ((r["outcome_low"], r["low"]), (r["outcome_high"], r["high"])):
            right = end >= base
            ax.annotate(
                f"{val:.4g}",
                (end, yi),
                xytext=(4 if right else -4, 0),
                textcoords="offset points",
                ha="left" if right else "right",
                va="center",
                fontsize="small",
            )
    ax.axvline(base, color="black", lw=1)
    if unit == currency:
        ax.xaxis.set_major_formatter(_money(currency))
    ax.set_yticks(y, t["parameter"])
    ax.margins(x=0.15)
    label = _LABELS[result.outcome]
    ax.set_xlabel(f"{label} of {t.attrs['strategy']} ({unit})")
    extra = f" at wtp {currency}{result.wtp:,.0f}" if result.outcome in ("nmb", "nhb") else ""
    ax.set_title(f"One-way sensitivity: {label.lower()}{extra}")
    ax.legend(fontsize="small", loc="lower right")
    return ax


def two_way(result: TwoWayResult, *, ax: Any = None, currency: str = "$") -> Any:
    """Map of the optimal strategy over a two-way parameter grid (one colour per strategy)."""
    import matplotlib as mpl
    from matplotlib.patches import Patch

    if not isinstance(result, TwoWayResult):
        raise fail("result", "two_way", "a TwoWayResult", type(result).__name__)
    ax = _axes(ax)
    grid = result.optimal()
    names = result.strategies
    codes = grid.apply(lambda col: col.map({s: i for i, s in enumerate(names)})).to_numpy()
    cmap = mpl.colormaps["tab10"].resampled(10)
    colours = [cmap(i % 10) for i in range(len(names))]
    listed = mpl.colors.ListedColormap(colours)
    xs = grid.columns.to_numpy(dtype=float)
    ys = grid.index.to_numpy(dtype=float)
    ax.pcolormesh(_edges(xs), _edges(ys), codes, cmap=listed, vmin=-0.5, vmax=len(names) - 0.5)
    present = sorted(set(codes.ravel().tolist()))
    ax.legend(
        handles=[Patch(color=colours[i], label=names[i]) for i in present],
        title="Optimal strategy",
        fontsize="small",
        loc="best",
    )
    ax.set_xlabel(result.param_x)
    ax.set_ylabel(result.param_y)
    label = _LABELS[result.outcome].lower()
    extra = f" at wtp {currency}{result.wtp:,.0f}" if result.outcome in ("nmb", "nhb") else ""
    ax.set_title(f"Two-way sensitivity: optimal strategy by {label}{extra}")
    return ax


def _edges(values: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres (midpoints; half a step beyond the ends)."""
    if values.size == 1:
        return np.array([values[0] - 0.5, values[0] + 0.5])
    mid = (values[1:] + values[:-1]) / 2
    return np.concatenate(([2 * values[0] - mid[0]], mid, [2 * values[-1] - mid[-1]]))
