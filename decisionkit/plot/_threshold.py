"""Decision-curve plots: net benefit or net interventions avoided against the threshold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from decisionkit._validation import fail

__all__ = ["decision_curve"]

_DEFAULT_STYLE = {
    "Treat all": {"color": "0.35", "linestyle": "--", "linewidth": 1.2},
    "Treat none": {"color": "0.1", "linestyle": ":", "linewidth": 1.2},
}


def decision_curve(
    dc: Any,
    *,
    kind: str = "net_benefit",
    ax: Any = None,
    models: Sequence[str] | None = None,
    show_bands: bool = True,
) -> Any:
    """Plot a :class:`~decisionkit.threshold.DecisionCurve`.

    Parameters
    ----------
    dc : DecisionCurve
        From :func:`decisionkit.threshold.decision_curve`.
    kind : {"net_benefit", "interventions_avoided"}
        Net benefit of every strategy (models, treat all, treat none), or net interventions
        avoided per ``dc.nia_per`` patients of each model relative to treating all.
    ax : matplotlib Axes, optional
        Axes to draw on (a new figure by default).
    models : sequence of str, optional
        Models to show (default all); treat-all and treat-none are always drawn in the net
        benefit view.
    show_bands : bool
        Shade the uncertainty intervals when the curve has them.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    As in dcurves, the y-axis is cut a little below zero (treat-all's net benefit falls
    steeply at high thresholds and would otherwise flatten every other curve); the data in
    ``dc.to_frame()`` are not altered.
    """
    import matplotlib.pyplot as plt

    caller = "plot.decision_curve"
    if kind not in ("net_benefit", "interventions_avoided"):
        raise fail("kind", caller, "'net_benefit' or 'interventions_avoided'", kind)
    if not hasattr(dc, "strategies") or not hasattr(dc, "to_frame"):
        raise fail("dc", caller, "a DecisionCurve from dk.threshold.decision_curve", type(dc))
    chosen = list(dc.models) if models is None else list(models)
    unknown = [m for m in chosen if m not in dc.models]
    if unknown:
        raise fail("models", caller, f"a subset of {list(dc.models)}", unknown)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    frame = dc.to_frame()
    if kind == "net_benefit":
        col = "net_benefit"
        strategies = [*chosen, "Treat all", "Treat none"]
        ylabel = "Net benefit"
    else:
        col = "net_interventions_avoided"
        strategies = chosen
        ylabel = f"Net interventions avoided per {dc.nia_per:g} patients"
    shown = []
    for i, name in enumerate(strategies):
        sub = frame[frame["model"] == name]
        style = _DEFAULT_STYLE.get(name, {"color": f"C{i}", "linewidth": 1.8})
        x = sub["threshold"].to_numpy()
        ax.plot(x, sub[col].to_numpy(), label=name, **style)
        shown.append(sub[col].to_numpy())
        lo, hi = sub[f"{col}_lower"].to_numpy(), sub[f"{col}_upper"].to_numpy()
        if show_bands and name in chosen and np.isfinite(lo).any():
            ax.fill_between(x, lo, hi, color=style["color"], alpha=0.2, linewidth=0)
            shown.append(hi)
    if kind == "interventions_avoided":
        ax.axhline(0, color="0.35", linestyle="--", linewidth=1.0, label="Treat all (reference)")
    ax.set_ylim(*_limits(shown, floor=dc.prevalence if kind == "net_benefit" else 1.0))
    ax.set_xlim(dc.thresholds[0], dc.thresholds[-1])
    ax.set_xlabel("Threshold probability")
    ax.set_ylabel(ylabel)
    title = "Decision curve" if kind == "net_benefit" else "Net interventions avoided"
    if dc.horizon is not None:
        title += f" at time {dc.horizon:g}"
    if dc.uncertainty != "none" and show_bands:
        title += f" ({dc.prob:.0%} {dc.uncertainty} intervals)"
    ax.set_title(title)
    ax.axhline(0, color="0.8", linewidth=0.6, zorder=0)
    ax.legend(frameon=False)
    return ax


def _limits(values: list[np.ndarray], floor: float) -> tuple[float, float]:
    """Upper limit from the data; lower limit a little below zero (readable treat-all)."""
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    top = max(float(finite.max()) if finite.size else 0.0, 0.0)
    top = top if top > 0 else max(floor, 1e-3)
    return -0.15 * top, 1.08 * top
