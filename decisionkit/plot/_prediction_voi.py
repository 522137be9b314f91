"""Value of information of a risk prediction model, drawn over its decision curve."""

from __future__ import annotations

from typing import Any

import numpy as np

from decisionkit._validation import Interval, fail, validate_params
from decisionkit.plot._threshold import _DEFAULT_STYLE, _limits
from decisionkit.plot._threshold import decision_curve as _decision_curve

__all__ = ["prediction_voi"]


@validate_params({"per": Interval(1, None, integer=True)})
def prediction_voi(result: Any, *, curve: Any = None, ax: Any = None, per: int = 10_000) -> Any:
    """Decision curve (left axis) with the validation EVPI and EVSI (right axis).

    Parameters
    ----------
    result : PredictionVOIResult
        From :func:`decisionkit.voi.prediction_voi` or ``prediction_voi_from_draws``.
    curve : DecisionCurve, optional
        A :func:`decisionkit.threshold.decision_curve` of the same model, drawn as
        :func:`decisionkit.plot.decision_curve` draws it (with its bands). By default the
        expected net benefits of ``result`` are drawn.
    ax : matplotlib Axes, optional
        Axes for the net benefit (a new figure by default); the EVPI goes on a twin axis.
    per : int
        The EVPI and EVSI are shown as true positives per ``per`` patients.

    Returns
    -------
    matplotlib.axes.Axes
        The net-benefit axes (the EVPI axis is its twin, in ``ax.figure.axes``).
    """
    import matplotlib.pyplot as plt

    if not hasattr(result, "table") or "evpi" not in getattr(result, "table", {}):
        raise fail("result", "a PredictionVOIResult from dk.voi.prediction_voi", result)
    per = int(per)
    t = result.table
    x = t["threshold"].to_numpy()
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.6))
    if curve is not None:
        _decision_curve(curve, ax=ax)
    else:
        columns = {"Model": "nb_model", "Treat all": "nb_treat_all", "Treat none": "nb_treat_none"}
        shown = []
        for name, col in columns.items():
            style = _DEFAULT_STYLE.get(name, {"color": "C0", "linewidth": 1.8})
            ax.plot(x, t[col].to_numpy(), label=name, **style)
            shown.append(t[col].to_numpy())
        ax.set_ylim(*_limits(shown, floor=0.05))
        ax.set_xlabel("Threshold probability")
        ax.set_ylabel("Expected net benefit")
        ax.axhline(0, color="0.8", linewidth=0.6, zorder=0)
    right = ax.twinx()
    right.plot(x, t["evpi"].to_numpy() * per, color="C3", linewidth=2.0, label="EVPI")
    if getattr(result, "evsi", None) is not None:
        ev = result.evsi
        sizes = np.unique(ev["n"])
        for i, n in enumerate(sizes):
            sub = ev[ev["n"] == n].sort_values("threshold")
            right.plot(
                sub["threshold"].to_numpy(),
                sub["evsi"].to_numpy() * per,
                color="C3",
                alpha=0.35 + 0.5 * (i + 1) / len(sizes),
                linestyle=(0, (4, 2)),
                linewidth=1.2,
                label=f"EVSI, n = {int(n):,}",
            )
    right.set_ylabel(f"Value of information (true positives per {per:,} patients)", color="C3")
    right.tick_params(axis="y", colors="C3")
    top = float(np.nanmax(t["evpi"].to_numpy() * per))
    right.set_ylim(0, 1.15 * top if top > 0 else 1.0)
    ax.set_xlim(x[0], x[-1])
    ax.set_title("Is the model useful, and is validating it worth it?")
    lines = ax.get_legend_handles_labels()
    extra = right.get_legend_handles_labels()
    ax.legend(
        lines[0] + extra[0],
        lines[1] + extra[1],
        frameon=False,
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.13),
        ncol=4,
    )
    return ax
