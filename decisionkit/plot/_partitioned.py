"""Plots of a partitioned survival result: state occupancy and the endpoint curves."""

from __future__ import annotations

from typing import Any

import numpy as np

from decisionkit._validation import fail, validate_params

__all__ = ["psm_curves", "psm_occupancy"]


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    return ax


def _check(result: Any) -> None:
    if not hasattr(result, "mean_occupancy") or not hasattr(result, "states"):
        raise fail("result", "a PartitionedSurvivalResult", type(result).__name__)


@validate_params()
def psm_occupancy(
    result: Any, strategy: str | None = None, *, max_time: float | None = None, ax=None
):
    """Stacked mean share of the cohort in each alive state over time, for one strategy.

    Parameters
    ----------
    result : PartitionedSurvivalResult
        From :meth:`PartitionedSurvivalModel.run`.
    strategy : str, optional
        The strategy to draw (default: the first).
    max_time : float, optional
        Right limit of the time axis in years (default: the horizon).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check(result)
    strategy = result.strategies[0] if strategy is None else strategy
    if strategy not in result.strategies:
        raise fail("strategy", f"one of {result.strategies}", strategy)
    ax = _axes(ax)
    occ = result.mean_occupancy.sel(strategy=strategy)
    times = occ["time"].to_numpy()
    alive = result.states[:-1]
    ax.stackplot(times, [occ.sel(state=s).to_numpy() for s in alive], labels=alive, alpha=0.8)
    ax.set_xlim(times[0], max_time if max_time is not None else times[-1])
    ax.set_ylim(0, 1)
    ax.set_xlabel("Years")
    ax.set_ylabel("Share of the cohort")
    ax.set_title(f"State occupancy: {strategy} (mean over {result.n_draws} draws)")
    ax.legend(loc="upper right", frameon=False)
    return ax


@validate_params()
def psm_curves(result: Any, *, max_time: float | None = None, ax=None):
    """Mean survival of each endpoint (the partition lines), one colour per strategy.

    The area between two curves of a strategy is the time spent in the state between the
    endpoints; the dashed line is the innermost endpoint (e.g. PFS), the solid the outermost
    (e.g. OS).

    Parameters
    ----------
    result : PartitionedSurvivalResult
    max_time : float, optional
        Right limit of the time axis in years (default: the horizon).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check(result)
    ax = _axes(ax)
    styles = ["--", "-.", ":"]
    for i, strategy in enumerate(result.strategies):
        occ = result.mean_occupancy.sel(strategy=strategy).to_numpy()  # (time, state)
        times = result.mean_occupancy["time"].to_numpy()
        curves = np.cumsum(occ[:, :-1], axis=1)  # S_1, S_2, ...: alive states summed
        color = f"C{i}"
        n_end = curves.shape[1]
        for j in range(n_end):
            last = j == n_end - 1
            ax.plot(
                times,
                curves[:, j],
                color=color,
                ls="-" if last else styles[j % len(styles)],
                label=f"{strategy}: {result.endpoints[j]}",
            )
    ax.set_xlim(0, max_time if max_time is not None else times[-1])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Years")
    ax.set_ylabel("Survival")
    ax.set_title("Endpoint curves that partition the cohort (mean over draws)")
    ax.legend(frameon=False, fontsize="small")
    return ax
