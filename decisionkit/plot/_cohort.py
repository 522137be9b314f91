"""Plots for cohort models: state-occupancy (Markov trace) over time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from decisionkit._validation import caller_name, fail, validate_params
from decisionkit.exceptions import ValidationError

__all__ = ["state_trace"]

_LINESTYLES = ["-", "--", ":", "-."]


@validate_params()
def state_trace(
    result: Any,
    *,
    strategies: Sequence[str] | None = None,
    states: Sequence[str] | None = None,
    ax: Any = None,
) -> Any:
    """Plot the mean proportion of the cohort in each state over time (the Markov trace).

    One colour per state and one line style per strategy.

    Parameters
    ----------
    result : MarkovResult
        The result of :meth:`decisionkit.models.cohort.markov.MarkovModel.run`.
    strategies : sequence of str, optional
        Strategies to draw (default: all, at most 4 so the line styles stay readable).
    states : sequence of str, optional
        States to draw (default: all).
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from decisionkit.models.cohort.sick_sicker import (
    ...     sick_sicker_base_case, sick_sicker_outcomes)
    >>> res = sick_sicker_outcomes(sick_sicker_base_case(), return_result=True)
    >>> ax = state_trace(res, strategies=["Standard of care", "Strategy B"])
    """
    import matplotlib.pyplot as plt

    trace = getattr(result, "mean_trace", None)
    if trace is None:
        raise fail("result", "a MarkovResult (from MarkovModel.run)", type(result).__name__)
    all_strats = [str(s) for s in trace["strategy"].values]
    all_states = [str(s) for s in trace["state"].values]
    chosen = list(strategies) if strategies is not None else all_strats
    shown_states = list(states) if states is not None else all_states
    for name, picked, pool in (
        ("strategies", chosen, all_strats),
        ("states", shown_states, all_states),
    ):
        unknown = [x for x in picked if x not in pool]
        if unknown or not picked:
            raise ValidationError(
                f"The '{name}' parameter of {caller_name()} must name some of {pool}; got {picked}."
            )
    if len(chosen) > len(_LINESTYLES):
        raise ValidationError(
            f"{caller_name()} draws at most {len(_LINESTYLES)} strategies on one Axes (one "
            "line style "
            f"each); got {len(chosen)}. Pass strategies=[...] or call it once per strategy."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    time = trace["time"].values
    for j, strat in enumerate(chosen):
        for state in shown_states:
            y = trace.sel(strategy=strat, state=state).values
            label = state if len(chosen) == 1 else f"{state} ({strat})"
            ax.plot(
                time,
                y,
                color=colors[all_states.index(state) % len(colors)],
                linestyle=_LINESTYLES[j],
                label=label,
            )
    title = "Cohort trace" + (f": {chosen[0]}" if len(chosen) == 1 else " by strategy")
    ax.set_title(title)
    ax.set_xlabel("Time (years)")
    n_draws = getattr(result, "n_draws", 1)
    ax.set_ylabel("Proportion of cohort in state" + (" (mean of draws)" if n_draws > 1 else ""))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(time[0], time[-1])
    ax.grid(alpha=0.3)
    legend_title = "State" if len(chosen) == 1 else "State (strategy)"
    ax.legend(title=legend_title, fontsize="small", ncol=1 if len(chosen) == 1 else 2)
    return ax
