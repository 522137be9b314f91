"""Threshold plots: decision curves and test consequences against the threshold.

Decision curves show net benefit or net interventions avoided; test consequences show
sensitivity, specificity, PPV, NPV or the rates of the 2x2 table with their intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from decisionkit._validation import fail, validate_params

__all__ = ["decision_curve", "test_consequences"]

_DEFAULT_STYLE = {
    "Treat all": {"color": "0.35", "linestyle": "--", "linewidth": 1.2},
    "Treat none": {"color": "0.1", "linestyle": ":", "linewidth": 1.2},
}


@validate_params()
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

    if kind not in ("net_benefit", "interventions_avoided"):
        raise fail("kind", "'net_benefit' or 'interventions_avoided'", kind)
    if not hasattr(dc, "strategies") or not hasattr(dc, "to_frame"):
        raise fail("dc", "a DecisionCurve from dk.threshold.decision_curve", type(dc))
    chosen = list(dc.models) if models is None else list(models)
    unknown = [m for m in chosen if m not in dc.models]
    if unknown:
        raise fail("models", f"a subset of {list(dc.models)}", unknown)
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
    if getattr(dc, "competing", ()):
        title += " (competing risks)"
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


_LABELS = {
    "prevalence": "Prevalence",
    "pos_rate": "Test positive rate",
    "neg_rate": "Test negative rate",
    "tp_rate": "True positive rate (per patient)",
    "fp_rate": "False positive rate (per patient)",
    "fn_rate": "False negative rate (per patient)",
    "tn_rate": "True negative rate (per patient)",
    "sensitivity": "Sensitivity",
    "specificity": "Specificity",
    "ppv": "Positive predictive value",
    "npv": "Negative predictive value",
    "lr_pos": "Positive likelihood ratio",
    "lr_neg": "Negative likelihood ratio",
}


@validate_params()
def test_consequences(
    tc: Any,
    *,
    statistics: Sequence[str] = ("sensitivity", "specificity", "ppv", "npv"),
    models: Sequence[str] | None = None,
    ax: Any = None,
    show_bands: bool = True,
) -> Any:
    """Plot statistics of a :class:`~decisionkit.threshold.TestConsequences` against the threshold.

    One colour per statistic; with several models, one line style per model. Bands are the
    Wilson score intervals (none for the likelihood ratios or Bayes-rule statistics of
    case-control data).

    Parameters
    ----------
    tc : TestConsequences
        From :func:`decisionkit.threshold.test_consequences`.
    statistics : sequence of str
        Columns of ``tc.summary`` to draw (default sensitivity, specificity, PPV, NPV).
    models : sequence of str, optional
        Models to show (default all).
    ax : matplotlib Axes, optional
        Axes to draw on (a new figure by default).
    show_bands : bool
        Shade the intervals.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from decisionkit.threshold._consequences import check_statistics

    if not hasattr(tc, "counts") or not hasattr(tc, "to_frame"):
        raise fail("tc", "a TestConsequences from dk.threshold.test_consequences", type(tc))
    chosen = check_statistics(statistics)
    shown = list(tc.models) if models is None else list(models)
    unknown = [m for m in shown if m not in tc.models]
    if unknown or not shown:
        raise fail("models", f"a non-empty subset of {list(tc.models)}", unknown or shown)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    frame = tc.to_frame()
    styles = ["-", "--", "-.", ":"]
    for i, stat in enumerate(chosen):
        for j, model in enumerate(shown):
            sub = frame[(frame["statistic"] == stat) & (frame["model"] == model)]
            x = sub["threshold"].to_numpy()
            label = _LABELS[stat] + (f" ({model})" if len(shown) > 1 else "")
            color = f"C{i}"
            ax.plot(x, sub["estimate"].to_numpy(), color=color, ls=styles[j % 4], label=label)
            lo, hi = sub["lower"].to_numpy(), sub["upper"].to_numpy()
            if show_bands and np.isfinite(lo).any():
                ax.fill_between(x, lo, hi, color=color, alpha=0.15, linewidth=0)
    ax.set_xlim(tc.thresholds[0], tc.thresholds[-1])
    if not any(s.startswith("lr_") for s in chosen):
        ax.set_ylim(0, 1.02)
    ax.set_xlabel("Threshold probability")
    ax.set_ylabel("Proportion" if len(chosen) > 1 else _LABELS[chosen[0]])
    title = "Test consequences"
    if show_bands:
        title += f" ({tc.prob:.0%} Wilson intervals)"
    ax.set_title(title)
    if len(chosen) * len(shown) > 4:  # many lines: legend beside the axes, not over them
        ax.legend(frameon=False, fontsize="small", loc="center left", bbox_to_anchor=(1, 0.5))
    else:
        ax.legend(frameon=False, fontsize="small")
    return ax


test_consequences.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
