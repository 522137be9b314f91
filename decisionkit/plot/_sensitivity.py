"""Sensitivity plots: tornado, two-way map, and dampack's metamodel lines and bands.

The tornado and the two-way optimal-strategy map take deterministic results and PSA-metamodel
results (:func:`decisionkit.sensitivity.one_way_psa`, :func:`~decisionkit.sensitivity.two_way_psa`);
:func:`one_way_lines` and :func:`one_way_optimal` draw dampack's ``plot(owsa)`` and
``owsa_opt_strat``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from decisionkit._format import number
from decisionkit._validation import fail, validate_params
from decisionkit.plot._cea import _money
from decisionkit.sensitivity import OneWayPSAResult, OneWayResult, TwoWayPSAResult, TwoWayResult

__all__ = ["one_way_lines", "one_way_optimal", "tornado", "two_way"]

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


def _describe(result: Any, currency: str, effect_unit: str) -> tuple[str, str, str, bool]:
    """(outcome label, ' (unit)' suffix, ' at wtp ...' suffix, whether it is money)."""
    if isinstance(result, (OneWayPSAResult, TwoWayPSAResult)):
        name = result.utility
        return name[0].upper() + name[1:], "", "", "monetary" in name
    extra = f" at wtp {currency}{result.wtp:,.0f}" if result.outcome in ("nmb", "nhb") else ""
    unit = _unit(result.outcome, currency, effect_unit)
    return _LABELS[result.outcome], f" ({unit})", extra, unit == currency


@validate_params()
def tornado(
    result: OneWayResult | OneWayPSAResult,
    *,
    strategy: str | None = None,
    reference: str | None = None,
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
    result : OneWayResult or OneWayPSAResult
        From :func:`decisionkit.sensitivity.one_way` or
        :func:`decisionkit.sensitivity.one_way_psa` (bars from the metamodel's predictions,
        base at the PSA mean).
    strategy : str, optional
        Strategy whose outcome is shown (default: the base-case optimum).
    reference : str, optional
        With a :class:`OneWayPSAResult`, show the incremental outcome ``strategy -
        reference`` instead.
    ax : matplotlib Axes, optional
    currency, effect_unit : str
        Unit labels.
    """
    if isinstance(result, OneWayPSAResult):
        t = result.tornado(strategy, reference)
    elif isinstance(result, OneWayResult):
        if reference is not None:
            raise fail("reference", "None for a OneWayResult", reference)
        t = result.tornado(strategy)
    else:
        raise fail("result", "a OneWayResult or OneWayPSAResult", type(result).__name__)
    ax = _axes(ax)
    label, unit, extra, money = _describe(result, currency, effect_unit)
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
    if money:
        ax.xaxis.set_major_formatter(_money(currency))
    ax.set_yticks(y, t["parameter"])
    ax.margins(x=0.15)
    ax.set_xlabel(f"{label} of {t.attrs['strategy']}{unit}")
    how = " (PSA metamodel)" if isinstance(result, OneWayPSAResult) else ""
    ax.set_title(f"One-way sensitivity{how}: {label[0].lower() + label[1:]}{extra}")
    ax.legend(fontsize="small", loc="lower right")
    return ax


@validate_params()
def two_way(result: TwoWayResult | TwoWayPSAResult, *, ax: Any = None, currency: str = "$") -> Any:
    """Map of the optimal strategy over a two-way parameter grid (one colour per strategy).

    Takes a :class:`~decisionkit.sensitivity.TwoWayResult` or, for dampack's ``plot(twsa)``,
    a :class:`~decisionkit.sensitivity.TwoWayPSAResult`.
    """
    import matplotlib as mpl
    from matplotlib.patches import Patch

    if not isinstance(result, (TwoWayResult, TwoWayPSAResult)):
        raise fail("result", "a TwoWayResult or TwoWayPSAResult", type(result).__name__)
    ax = _axes(ax)
    grid = result.optimal()
    names = result.strategies
    codes = grid.apply(lambda col: col.map({s: i for i, s in enumerate(names)})).to_numpy()
    colours = _colours(len(names))
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
    label, _, extra, _ = _describe(result, currency, "")
    ax.set_title(f"Two-way sensitivity: optimal strategy by {label[0].lower() + label[1:]}{extra}")
    return ax


@validate_params()
def one_way_lines(
    result: OneWayPSAResult, parameter: str | None = None, *, ax: Any = None, currency: str = "$"
) -> Any:
    """Predicted outcome of each strategy across one parameter's range (dampack's ``plot(owsa)``).

    Parameters
    ----------
    result : OneWayPSAResult
        From :func:`decisionkit.sensitivity.one_way_psa`.
    parameter : str, optional
        Parameter on the x axis (default: the one with the widest tornado swing).
    ax : matplotlib Axes, optional
    currency : str
        Currency label for monetary utilities.
    """
    if not isinstance(result, OneWayPSAResult):
        raise fail("result", "a OneWayPSAResult", type(result).__name__)
    if parameter is None:
        parameter = str(result.tornado()["parameter"].iloc[0])
    elif parameter not in result.parameters:
        raise fail("parameter", f"one of {result.parameters}", parameter)
    ax = _axes(ax)
    f = result.frame[result.frame["parameter"] == parameter]
    for colour, s in zip(_colours(len(result.strategies)), result.strategies, strict=True):
        g = f[f["strategy"] == s]
        ax.plot(g["value"], g["expected_utility"], color=colour, lw=2, label=s)
    label, _, _, money = _describe(result, currency, "")
    if money:
        ax.yaxis.set_major_formatter(_money(currency))
    ax.set_xlabel(parameter)
    ax.set_ylabel(f"Predicted {label[0].lower() + label[1:]}")
    ax.set_title(f"One-way sensitivity from the PSA: {parameter}")
    ax.legend(title="Strategy", fontsize="small")
    return ax


@validate_params()
def one_way_optimal(result: OneWayPSAResult, *, ax: Any = None) -> Any:
    """Optimal strategy across each parameter's range (dampack's ``owsa_opt_strat``).

    One row per parameter (widest tornado swing on top); along each row the range runs from
    its low value (left) to its high value (right; both written beside its name), coloured by the
    strategy with the highest predicted utility.
    """
    from matplotlib.patches import Patch

    if not isinstance(result, OneWayPSAResult):
        raise fail("result", "a OneWayPSAResult", type(result).__name__)
    ax = _axes(ax)
    order = list(result.tornado()["parameter"])
    colours = dict(zip(result.strategies, _colours(len(result.strategies)), strict=True))
    opt = result.optimal()
    for yi, p in zip(np.arange(len(order))[::-1], order, strict=True):
        lo, hi = result.ranges[p]
        span = hi - lo if hi > lo else 1.0
        runs = opt[opt["parameter"] == p].reset_index(drop=True)
        # each run covers its grid values; split the gap between runs at the midpoint
        edges = np.r_[lo, (runs["high"].to_numpy()[:-1] + runs["low"].to_numpy()[1:]) / 2, hi]
        for i, r in runs.iterrows():
            left, right = (edges[i] - lo) / span, (edges[i + 1] - lo) / span
            ax.barh(yi, right - left, left=left, color=colours[r["strategy"]], height=0.7)
    ticks = [f"{p} ({number(result.ranges[p][0])} to {number(result.ranges[p][1])})" for p in order]
    ax.set_yticks(np.arange(len(order))[::-1], ticks, fontsize="small")
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.5, 1], ["low", "middle", "high"])
    ax.set_xlabel("Position in the parameter's range")
    present = list(pd.unique(opt["strategy"]))
    ax.legend(
        handles=[Patch(color=colours[s], label=s) for s in present],
        title="Optimal strategy",
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.02, 1),
    )
    ax.set_title(f"Optimal strategy by {result.utility}")
    return ax


def _colours(n: int) -> list[Any]:
    import matplotlib as mpl

    cmap = mpl.colormaps["tab10"].resampled(10)
    return [cmap(i % 10) for i in range(n)]


def _edges(values: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres (midpoints; half a step beyond the ends)."""
    if values.size == 1:
        return np.array([values[0] - 0.5, values[0] + 0.5])
    mid = (values[1:] + values[:-1]) / 2
    return np.concatenate(([2 * values[0] - mid[0]], mid, [2 * values[-1] - mid[-1]]))
