"""The result of a Markov cohort model run (immutable)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import xarray as xr

from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["MarkovResult", "StateTransitionResult"]


class StateTransitionResult:
    """What the results of cohort and individual state-transition models share.

    Subclasses hold ``values`` (an xarray Dataset with dims ``draw`` and ``action``) and
    ``mean_trace`` (dims ``strategy``, ``cycle``, ``state``, with a ``time`` coordinate).
    """

    values: xr.Dataset
    mean_trace: xr.DataArray

    @property
    def strategies(self) -> list[str]:
        """Strategy names in order."""
        return [str(a) for a in self.values["action"].values]

    @property
    def states(self) -> list[str]:
        """State names in order."""
        return [str(s) for s in self.mean_trace["state"].values]

    @property
    def n_draws(self) -> int:
        """Number of parameter draws."""
        return int(self.values.sizes["draw"])

    def trace_frame(self) -> pd.DataFrame:
        """Mean trace as a long frame: strategy, cycle, time, state, proportion."""
        frame = self.mean_trace.rename("proportion").to_dataframe().reset_index()
        return frame[["strategy", "cycle", "time", "state", "proportion"]]


@dataclass(frozen=True, repr=False, eq=False)
class MarkovResult(StateTransitionResult):
    """The result of :meth:`MarkovModel.run` (immutable).

    Attributes
    ----------
    values : xarray.Dataset
        ``cost``, ``qaly`` and ``life_years`` with dims ``(draw, action)``; actions are the
        strategies. With ``cost_components`` also ``cost_<name>`` per component (their
        sum is ``cost``).
    inputs : pandas.DataFrame
        The parameter draws, one row per draw.
    mean_trace : xarray.DataArray
        Mean state occupancy over draws, dims ``(strategy, cycle, state)``, with a ``time``
        coordinate (``cycle * cycle_length``).
    trace : xarray.DataArray or None
        Occupancy per draw ``(draw, strategy, cycle, state)`` when ``return_trace=True``.
    cycle_length : float
        Length of a cycle in years.
    """

    values: xr.Dataset
    inputs: pd.DataFrame
    mean_trace: xr.DataArray
    trace: xr.DataArray | None
    cycle_length: float

    @property
    def outcomes(self) -> OutcomeDistribution:
        """The outcomes as an :class:`~decisionkit.OutcomeDistribution` (inputs attached).

        Needs at least 2 draws; for a single deterministic run use :meth:`mean`.
        """
        if self.n_draws < 2:
            raise ValidationError(
                "MarkovResult.outcomes needs at least 2 draws; this run had 1 (a deterministic "
                "base case). Read its values with .mean() or .to_frame(), or run the model on "
                "a PSA sample."
            )
        return OutcomeDistribution(self.values, inputs=self.inputs)

    def mean(self) -> pd.DataFrame:
        """Expected cost, QALYs and life years per strategy (one row per strategy)."""
        frame = self.values.mean("draw").to_dataframe().reset_index()
        return frame.rename(columns={"action": "strategy"})

    def expected(self) -> dict[str, dict[str, float]]:
        """Mean of each metric per strategy as ``{strategy: {metric: value}}``.

        The form deterministic sensitivity analysis takes from a model run on one parameter
        set (``decisionkit.sensitivity``).
        """
        means = self.values.mean("draw")
        return {
            s: {str(m): float(means[m].sel(action=s)) for m in means.data_vars}
            for s in self.strategies
        }

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per (draw, strategy), columns cost, qaly, life_years."""
        return self.values.to_dataframe().reset_index().rename(columns={"action": "strategy"})

    def summary(self) -> str:
        """A short readable report of the expected outcomes."""
        n_cycles = self.mean_trace.sizes["cycle"] - 1
        head = (
            f"Markov cohort model: {len(self.states)} states, {n_cycles} cycles of "
            f"{self.cycle_length:g} year(s), {self.n_draws} draw(s)"
        )
        return head + "\n" + self.mean().to_string(index=False, float_format=lambda x: f"{x:,.4f}")

    def __repr__(self) -> str:
        return f"<MarkovResult>\n{self.summary()}"
