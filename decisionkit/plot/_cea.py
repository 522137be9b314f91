"""Cost-effectiveness plots: CE plane, CEAC, CEAF, EVPI curve, ICER frontier."""

from __future__ import annotations

from typing import Any

import numpy as np

from decisionkit._validation import Interval, check_number, fail, validate_params
from decisionkit.cea import CEAResult

__all__ = ["ce_plane", "ceac", "ceaf", "evpi_curve", "icer_frontier"]


def _axes(ax: Any) -> Any:
    import matplotlib.pyplot as plt

    return plt.gca() if ax is None else ax


def _check(result: Any) -> CEAResult:
    if not isinstance(result, CEAResult):
        raise fail("result", "a CEAResult from dk.cea.analyze()", type(result).__name__)
    return result


def _colours(strategies: tuple[str, ...] | list[str]) -> dict[str, Any]:
    import matplotlib as mpl

    cmap = mpl.colormaps["tab10" if len(strategies) <= 10 else "tab20"]
    return {s: cmap(i % cmap.N) for i, s in enumerate(strategies)}


def _money(currency: str) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{'-' if v < 0 else ''}{currency}{abs(v):,.0f}")


@validate_params({"max_points": Interval(1, None, integer=True)})
def ce_plane(
    result: CEAResult,
    *,
    wtp: float | None = None,
    ax: Any = None,
    currency: str = "$",
    effect_unit: str = "QALYs",
    max_points: int = 5000,
) -> Any:
    """Cost-effectiveness plane: incremental effect and cost draws against the reference.

    Parameters
    ----------
    result : CEAResult
        From :func:`decisionkit.cea.analyze`.
    wtp : float, optional
        Draw the willingness-to-pay line ``cost = wtp * effect`` (points below it are cost
        effective at that wtp). Default: the middle of the analysed grid.
    ax : matplotlib Axes, optional
    currency, effect_unit : str
        Labels for the axes.
    max_points : int
        At most this many draws per strategy are drawn (evenly spaced), for speed.
    """
    result = _check(result)
    ax = _axes(ax)
    frame = result.ce_plane()
    colours = _colours(result.strategies)
    max_points = int(max_points)
    for name, g in frame.groupby("strategy", sort=False):
        step = max(1, len(g) // max_points)
        ax.scatter(
            g["inc_effect"].to_numpy()[::step],
            g["inc_cost"].to_numpy()[::step],
            s=4,
            alpha=0.25,
            color=colours[name],
            rasterized=True,
            label=f"{name} vs {result.reference}",
        )
        ax.scatter(
            g["inc_effect"].mean(),
            g["inc_cost"].mean(),
            s=70,
            marker="D",
            color=colours[name],
            edgecolor="black",
            zorder=3,
        )
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    if wtp is None:
        wtp = float(result.wtp[result.wtp.size // 2])
    wtp = check_number(wtp, "wtp", low=0.0)
    lo, hi = ax.get_xlim()
    xs = np.array([lo, hi])
    ax.plot(xs, wtp * xs, ls="--", color="black", lw=1, label=f"wtp {currency}{wtp:,.0f}")
    ax.set_xlim(lo, hi)
    ax.yaxis.set_major_formatter(_money(currency))
    ax.set_xlabel(f"Incremental effect ({effect_unit})")
    ax.set_ylabel(f"Incremental cost ({currency})")
    ax.set_title(f"Cost-effectiveness plane (diamonds: means; reference {result.reference})")
    ax.legend(loc="best", fontsize="small", markerscale=3)
    return ax


@validate_params()
def ceac(
    result: CEAResult,
    *,
    ax: Any = None,
    currency: str = "$",
    effect_unit: str = "QALY",
    frontier: bool = False,
) -> Any:
    """Cost-effectiveness acceptability curves.

    One line per strategy: the probability that it has the highest net benefit at each
    willingness to pay (the curves sum to 1). With ``frontier=True`` the acceptability
    frontier (see :func:`ceaf`) is drawn over them.
    """
    result = _check(result)
    ax = _axes(ax)
    colours = _colours(result.strategies)
    for j, name in enumerate(result.strategies):
        ax.plot(result.wtp, result.prob_best[:, j], color=colours[name], lw=1.8, label=name)
    if frontier:
        f = result.ceaf()
        ax.plot(f["wtp"], f["prob_best"], color="black", lw=3, alpha=0.35, label="Frontier")
    _probability_axes(ax, currency, effect_unit)
    ax.set_title("Cost-effectiveness acceptability curves")
    ax.legend(title="Probability highest net benefit", fontsize="small")
    return ax


@validate_params()
def ceaf(
    result: CEAResult,
    *,
    ax: Any = None,
    currency: str = "$",
    effect_unit: str = "QALY",
) -> Any:
    """Cost-effectiveness acceptability frontier.

    The probability of having the highest net benefit of the strategy with the highest
    *expected* net benefit, coloured by that strategy; thin lines are the CEACs; dotted
    vertical lines mark the switch points.
    """
    result = _check(result)
    ax = _axes(ax)
    colours = _colours(result.strategies)
    f = result.ceaf()
    for j, name in enumerate(result.strategies):
        ax.plot(result.wtp, result.prob_best[:, j], color=colours[name], lw=0.8, alpha=0.4)
        on = (f["strategy"] == name).to_numpy()
        if on.any():
            ax.plot(
                result.wtp,
                np.where(on, f["prob_best"].to_numpy(), np.nan),
                color=colours[name],
                lw=3,
                label=f"{name} optimal",
            )
    for w in result.switch_points().query("in_grid")["wtp"]:
        ax.axvline(w, color="grey", ls=":", lw=1)
    _probability_axes(ax, currency, effect_unit)
    ax.set_title("Cost-effectiveness acceptability frontier")
    ax.legend(fontsize="small", title="Highest expected net benefit")
    return ax


@validate_params()
def evpi_curve(
    result: CEAResult,
    *,
    ax: Any = None,
    currency: str = "$",
    effect_unit: str = "QALY",
) -> Any:
    """Per-decision expected value of perfect information against willingness to pay.

    Dotted vertical lines mark the switch points, where the EVPI typically peaks.
    """
    result = _check(result)
    ax = _axes(ax)
    ev = result.evpi
    ax.plot(ev.index.to_numpy(), ev.to_numpy(), color="tab:blue", lw=2, label="EVPI")
    for i, w in enumerate(result.switch_points().query("in_grid")["wtp"]):
        ax.axvline(w, color="grey", ls=":", lw=1, label="Switch point" if i == 0 else None)
    ax.set_xlabel(f"Willingness to pay ({currency} per {effect_unit})")
    ax.set_ylabel(f"EVPI per decision ({currency})")
    ax.xaxis.set_major_formatter(_money(currency))
    ax.yaxis.set_major_formatter(_money(currency))
    ax.set_ylim(bottom=0)
    ax.set_title("Expected value of perfect information")
    ax.legend(fontsize="small")
    return ax


@validate_params()
def icer_frontier(
    result: CEAResult,
    *,
    ax: Any = None,
    currency: str = "$",
    effect_unit: str = "QALYs",
) -> Any:
    """Expected cost against expected effect, with the cost-effectiveness frontier.

    Frontier strategies are joined by a line and labelled with their ICER; extendedly
    dominated and dominated strategies have their own markers.
    """
    result = _check(result)
    ax = _axes(ax)
    t = result.icers()
    styles = {
        "ND": ("o", "tab:blue", "Frontier"),
        "ED": ("s", "tab:orange", "Extendedly dominated"),
        "D": ("x", "tab:red", "Dominated"),
    }
    for status, (marker, colour, label) in styles.items():
        g = t[t["status"] == status]
        if not g.empty:
            ax.scatter(g["effect"], g["cost"], marker=marker, color=colour, s=60, label=label)
    nd = t[t["status"] == "ND"]
    ax.plot(nd["effect"], nd["cost"], color="tab:blue", lw=1.5)
    for _, r in t.iterrows():
        text = r["strategy"]
        if r["status"] == "ND" and np.isfinite(r["icer"]):
            text += f"\nICER {currency}{r['icer']:,.0f}"
        ax.annotate(text, (r["effect"], r["cost"]), xytext=(6, -4), textcoords="offset points")
    ax.margins(0.15)
    ax.set_xlabel(f"Expected effect ({effect_unit})")
    ax.set_ylabel(f"Expected cost ({currency})")
    ax.yaxis.set_major_formatter(_money(currency))
    ax.set_title("Cost-effectiveness frontier")
    ax.legend(fontsize="small")
    return ax


def _probability_axes(ax: Any, currency: str, effect_unit: str) -> None:
    ax.set_xlabel(f"Willingness to pay ({currency} per {effect_unit})")
    ax.set_ylabel("Probability")
    ax.xaxis.set_major_formatter(_money(currency))
    ax.set_ylim(-0.02, 1.02)
