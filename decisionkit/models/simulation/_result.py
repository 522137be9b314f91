r"""The result of a microsimulation: means, Monte-Carlo standard errors, traces, histories.

First-order (Monte-Carlo) uncertainty comes from simulating a finite population. For a
draw with ``n`` individuals whose totals are :math:`x_1..x_n`, the mean is estimated with
standard error :math:`\mathrm{MCSE} = s_x / \sqrt{n}`; for an incremental result between
strategies ``a`` and ``b`` evaluated on the same individuals, the totals are paired, so

.. math:: \mathrm{MCSE}(\bar x_a - \bar x_b) = \sqrt{(s_a^2 + s_b^2 - 2 s_{ab}) / n},

which common random numbers make small (large positive covariance :math:`s_{ab}`). Over
``D`` parameter draws the mean of the draw means has first-order MCSE
:math:`\sqrt{\sum_d \mathrm{MCSE}_d^2} / D`; the spread *between* draws is the second-order
(parameter) uncertainty, kept in :attr:`MicrosimulationResult.outcomes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort._markov_result import StateTransitionResult
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["METRICS", "MicrosimulationResult"]

METRICS = ("cost", "qaly", "life_years")


@dataclass(frozen=True, repr=False, eq=False)
class MicrosimulationResult(StateTransitionResult):
    """The result of :meth:`Microsimulation.run` (immutable).

    Attributes
    ----------
    values : xarray.Dataset
        Mean ``cost``, ``qaly`` and ``life_years`` per individual, dims ``(draw, action)``.
    covariance : ndarray, shape (n_draws, n_strategies, n_strategies, 3)
        Sample covariance between the individual totals of two strategies, per draw and
        metric (the diagonal holds the variances); the source of every MCSE.
    inputs : pandas.DataFrame
        The parameter draws, one row per draw.
    mean_trace : xarray.DataArray
        Proportion of individuals in each state, averaged over draws, dims
        ``(strategy, cycle, state)`` with a ``time`` coordinate.
    histories : ndarray or None
        States of every individual ``(individual, strategy, cycle)`` (codes into ``states``)
        when run with ``return_histories=True``.
    n_individuals : int
        Individuals simulated per draw and strategy.
    cycle_length : float
        Length of a cycle in years.
    common_random_numbers : bool
        Whether every strategy met the same random numbers.
    """

    values: xr.Dataset
    covariance: np.ndarray
    inputs: pd.DataFrame
    mean_trace: xr.DataArray
    histories: np.ndarray | None
    n_individuals: int
    cycle_length: float
    common_random_numbers: bool

    # ---------------------------------------------------------------- basic facts
    @property
    def outcomes(self) -> OutcomeDistribution:
        """Draw-level means as an :class:`~decisionkit.OutcomeDistribution` (inputs attached).

        Each draw's value is the mean over its simulated population, so the spread between
        draws is parameter (second-order) uncertainty plus a little first-order noise (see
        :meth:`mcse`). Needs at least 2 draws.
        """
        if self.n_draws < 2:
            raise ValidationError(
                "MicrosimulationResult.outcomes needs at least 2 parameter draws; this run had "
                "1. Read its values with .summary() or run the model on a PSA sample "
                "(e.g. PSA(...).sample(1000))."
            )
        return OutcomeDistribution(self.values, inputs=self.inputs)

    # ---------------------------------------------------------------- first-order MCSE
    def _mcse_draw(self) -> np.ndarray:
        """MCSE of each draw's mean, shape (D, S, 3)."""
        var = np.diagonal(self.covariance, axis1=1, axis2=2)  # (D, 3, S)
        return np.sqrt(np.maximum(var, 0.0) / self.n_individuals).transpose(0, 2, 1)

    def _mcse_increment_draw(self) -> np.ndarray:
        """MCSE of each draw's mean difference ``a - b``, shape (D, S, S, 3)."""
        cov = self.covariance
        var_a = np.diagonal(cov, axis1=1, axis2=2).transpose(0, 2, 1)  # (D, S, 3)
        var = var_a[:, :, None, :] + var_a[:, None, :, :] - 2 * cov
        if not self.common_random_numbers:  # independent streams: no covariance to subtract
            var = var_a[:, :, None, :] + var_a[:, None, :, :]
        return np.sqrt(np.maximum(var, 0.0) / self.n_individuals)

    def summary(self) -> pd.DataFrame:
        """Mean per individual of each metric per strategy, with its first-order MCSE.

        Under PSA the mean is over draws and populations and ``*_sd`` is the standard
        deviation between draws (parameter uncertainty).
        """
        mean = np.stack([self.values[m].values for m in METRICS], axis=-1)  # (D, S, 3)
        mcse = np.sqrt((self._mcse_draw() ** 2).sum(axis=0)) / self.n_draws
        frame = pd.DataFrame({"strategy": self.strategies})
        for j, m in enumerate(METRICS):
            frame[m] = mean[..., j].mean(axis=0)
            frame[f"{m}_mcse"] = mcse[:, j]
            if self.n_draws > 1:
                frame[f"{m}_sd"] = mean[..., j].std(axis=0, ddof=1)
        return frame

    def mcse(self) -> pd.DataFrame:
        """First-order MCSE of every draw's mean: one row per (draw, strategy)."""
        m = self._mcse_draw()
        rows = {
            "draw": np.repeat(np.arange(self.n_draws), len(self.strategies)),
            "strategy": np.tile(self.strategies, self.n_draws),
        }
        for j, name in enumerate(METRICS):
            rows[f"{name}_mcse"] = m[..., j].ravel()
        return pd.DataFrame(rows)

    @validate_params()
    def incremental(self, reference: str | None = None) -> pd.DataFrame:
        """Mean incremental results against ``reference`` (default: the first strategy).

        One row per other strategy: the mean difference of each metric and its first-order
        MCSE from the paired individual totals (see the module documentation).
        """
        ref = self.strategies[0] if reference is None else reference
        if ref not in self.strategies:
            raise ValidationError(
                f"MicrosimulationResult.incremental: reference {ref!r} is not one of the "
                f"strategies {self.strategies}."
            )
        r = self.strategies.index(ref)
        mean = np.stack([self.values[m].values for m in METRICS], axis=-1)
        inc_mcse = self._mcse_increment_draw()
        rows = []
        for s, name in enumerate(self.strategies):
            if s == r:
                continue
            row: dict[str, object] = {"strategy": name, "reference": ref}
            for j, m in enumerate(METRICS):
                row[f"delta_{m}"] = float((mean[:, s, j] - mean[:, r, j]).mean())
                row[f"delta_{m}_mcse"] = float(
                    np.sqrt((inc_mcse[:, s, r, j] ** 2).sum()) / self.n_draws
                )
            rows.append(row)
        return pd.DataFrame(rows)

    # ---------------------------------------------------------------- frames
    def mean(self) -> pd.DataFrame:
        """Expected cost, QALYs and life years per strategy (as ``MarkovResult.mean``)."""
        return self.summary()[["strategy", *METRICS]]

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per (draw, strategy) with the means and their MCSE."""
        frame = self.values.to_dataframe().reset_index().rename(columns={"action": "strategy"})
        return frame.merge(self.mcse(), on=["draw", "strategy"])

    def histories_frame(self) -> pd.DataFrame:
        """Per-individual histories as a tidy frame: individual, strategy, cycle, time, state.

        Only kept when the model was run with ``return_histories=True``.
        """
        if self.histories is None:
            raise ValidationError(
                "This result keeps no individual histories; run the model with "
                "return_histories=True (one parameter set) to keep them."
            )
        h = self.histories
        n, n_s, n_t = h.shape
        states = np.asarray(self.states)
        cycles = np.arange(n_t)
        return pd.DataFrame(
            {
                "individual": np.repeat(np.arange(n), n_s * n_t),
                "strategy": np.tile(np.repeat(self.strategies, n_t), n),
                "cycle": np.tile(cycles, n * n_s),
                "time": np.tile(cycles * self.cycle_length, n * n_s),
                "state": pd.Categorical(states[h.ravel()], categories=self.states),
            }
        )

    def print_summary(self) -> None:
        """Print :meth:`summary` and :meth:`incremental` as readable text."""
        print(self._text())

    def _text(self) -> str:
        n_cycles = self.mean_trace.sizes["cycle"] - 1
        head = (
            f"Microsimulation: {self.n_individuals:,} individuals x {len(self.states)} states x "
            f"{n_cycles} cycles of {self.cycle_length:g} year(s), {self.n_draws} draw(s), "
            f"{'common' if self.common_random_numbers else 'independent'} random numbers"
        )
        fmt = lambda x: f"{x:,.4f}"  # noqa: E731
        body = self.summary().to_string(index=False, float_format=fmt)
        if len(self.strategies) > 1:
            body += "\n" + self.incremental().to_string(index=False, float_format=fmt)
        return head + "\n" + body

    def __repr__(self) -> str:
        return f"<MicrosimulationResult>\n{self._text()}"
