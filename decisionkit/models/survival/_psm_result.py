"""The result of a partitioned survival run, and how the survival parameters are named."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["PartitionedSurvivalResult", "name_parameters"]

OTHER = "other inputs"


def name_parameters(
    frames: list[tuple[str, str, pd.DataFrame | None]],
    other: pd.DataFrame | None,
    endpoints: list[str],
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """All PSA inputs in one frame, and the groups ``{endpoint: columns, "other inputs": ...}``.

    A survival parameter is named ``"<endpoint>: <column>"``; when the strategies' draws of
    one endpoint differ (separate fits per arm), ``"<endpoint> [<strategy>]: <column>"``.
    Draws repeated between strategies (one model with a treatment covariate) appear once.
    """
    columns: dict[str, np.ndarray] = {}
    groups: dict[str, list[str]] = {}
    for endpoint in endpoints:
        kept: list[tuple[str, pd.DataFrame]] = []
        for strategy, e, frame in frames:
            if e != endpoint or frame is None or frame.shape[1] == 0:
                continue
            if any(_same(frame, f) for _, f in kept):
                continue
            kept.append((strategy, frame))
        names = []
        for strategy, frame in kept:
            prefix = endpoint if len(kept) == 1 else f"{endpoint} [{strategy}]"
            for col in frame.columns:
                name = f"{prefix}: {col}"
                columns[name] = frame[col].to_numpy(dtype=float)
                names.append(name)
        if names:
            groups[endpoint] = names
    if other is not None and other.shape[1]:
        clash = [c for c in other.columns if str(c) in columns]
        if clash:
            raise ValidationError(
                f"PartitionedSurvivalModel.run: params column(s) {clash} clash with the names "
                "given to the survival parameters. Rename them."
            )
        for c in other.columns:
            columns[str(c)] = other[c].to_numpy()
        varying = [str(c) for c in other.columns if other[c].nunique() > 1]
        if varying:
            groups[OTHER] = varying
    return pd.DataFrame(columns), groups


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return list(a.columns) == list(b.columns) and np.array_equal(
        a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    )


@dataclass(frozen=True, repr=False, eq=False)
class PartitionedSurvivalResult:
    """The result of :meth:`PartitionedSurvivalModel.run` (immutable).

    Attributes
    ----------
    values : xarray.Dataset
        ``cost``, ``qaly`` and ``life_years`` with dims ``(draw, action)`` (discounted).
    state_years : xarray.DataArray
        Years in each state, discounted at the effect rate, dims ``(draw, action, state)``.
    mean_occupancy : xarray.DataArray
        Mean share of the cohort in each state on the cycle grid, dims
        ``(strategy, time, state)``.
    inputs : pandas.DataFrame
        Every PSA input, one row per draw: the survival parameters (``"OS: shape"`` ...) and
        the other ``params``.
    parameter_groups : dict
        ``{endpoint: [columns], "other inputs": [columns]}``, ready for
        ``dk.voi.evppi(res.outcomes, u, res.parameter_groups)``.
    crossings : pandas.DataFrame
        One row per strategy and pair of endpoints that crossed: how many draws, the share,
        the earliest and the median first crossing time (years). Empty when none crossed.
    endpoints : list of str
        The endpoints that partition the cohort, innermost first.
    method : str
    cycle_length : float
    """

    values: xr.Dataset
    state_years: xr.DataArray
    mean_occupancy: xr.DataArray
    inputs: pd.DataFrame
    parameter_groups: dict[str, list[str]]
    crossings: pd.DataFrame
    endpoints: list[str]
    method: str
    cycle_length: float

    @classmethod
    @validate_params()
    def build(
        cls,
        *,
        cost: np.ndarray,
        qaly: np.ndarray,
        years: np.ndarray,
        mean_occupancy: np.ndarray,
        inputs: pd.DataFrame,
        parameter_groups: dict[str, list[str]],
        crossings: pd.DataFrame,
        strategies: list[str],
        states: list[str],
        endpoints: list[str],
        grid: np.ndarray,
        method: str,
        cycle_length: float,
    ) -> PartitionedSurvivalResult:
        """Label the arrays computed by the model."""
        n = cost.shape[0]
        coords = {"draw": np.arange(n), "action": strategies}
        life_years = years[..., :-1].sum(axis=-1)
        values = xr.Dataset(
            {
                "cost": (("draw", "action"), cost),
                "qaly": (("draw", "action"), qaly),
                "life_years": (("draw", "action"), life_years),
            },
            coords=coords,
        )
        state_years = xr.DataArray(
            years, dims=("draw", "action", "state"), coords={**coords, "state": states}
        )
        occ = xr.DataArray(
            mean_occupancy,
            dims=("strategy", "time", "state"),
            coords={"strategy": strategies, "time": grid, "state": states},
        )
        if crossings.empty:
            crossings = pd.DataFrame(
                columns=[
                    "strategy",
                    "endpoint",
                    "above",
                    "n_draws",
                    "share",
                    "first_time",
                    "median_first_time",
                ]
            )
        return cls(
            values,
            state_years,
            occ,
            inputs,
            parameter_groups,
            crossings,
            list(endpoints),
            method,
            cycle_length,
        )

    @property
    def strategies(self) -> list[str]:
        """Strategy names in order."""
        return [str(a) for a in self.values["action"].values]

    @property
    def states(self) -> list[str]:
        """State names in order (the last is dead)."""
        return [str(s) for s in self.state_years["state"].values]

    @property
    def n_draws(self) -> int:
        """Number of PSA draws."""
        return int(self.values.sizes["draw"])

    @property
    def outcomes(self) -> OutcomeDistribution:
        """Cost, QALYs and life years as an OutcomeDistribution with every input attached."""
        inputs = self.inputs if self.inputs.shape[1] else None
        return OutcomeDistribution(self.values, inputs=inputs)

    @property
    def summary(self) -> pd.DataFrame:
        """Mean cost, QALYs, life years and years in each alive state, one row per strategy."""
        means = self.values.mean("draw").to_dataframe()
        years = self.state_years.isel(state=slice(None, -1)).mean("draw").to_pandas()
        years.columns = [f"years: {s}" for s in years.columns]
        frame = pd.concat([means, years], axis=1)
        frame.index.name = "strategy"
        return frame

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per (draw, strategy, metric) with a ``value`` column."""
        frame = self.values.to_dataframe().reset_index().rename(columns={"action": "strategy"})
        return frame.melt(id_vars=["draw", "strategy"], var_name="metric", value_name="value")

    def occupancy_frame(self) -> pd.DataFrame:
        """Mean occupancy as a long frame: strategy, time, state, proportion."""
        frame = self.mean_occupancy.rename("proportion").to_dataframe().reset_index()
        return frame[["strategy", "time", "state", "proportion"]]

    def print_summary(self) -> None:
        """Print the summary with a header."""
        print(self._text())

    def _text(self) -> str:
        head = (
            f"Partitioned survival model: {len(self.states)} states, {self.n_draws} draws, "
            f"method {self.method!r}, cycle {self.cycle_length:g} years"
        )
        body = self.summary.to_string(float_format=lambda x: f"{x:,.4f}")
        note = ""
        if not self.crossings.empty:
            n_cross = int(self.crossings["n_draws"].sum())
            note = f"\nCurves crossed and were constrained in {n_cross} draw(s)."
        return head + "\n" + body + note

    def __repr__(self) -> str:
        return f"<PartitionedSurvivalResult>\n{self._text()}"
