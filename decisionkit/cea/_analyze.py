r"""Cost-effectiveness analysis: ICER table, CEAC, CEAF, EVPI, INB and CE-plane data.

For cost draws :math:`C_{sa}` and effect draws :math:`E_{sa}` (draw :math:`s`, strategy
:math:`a`) the net monetary benefit at willingness to pay :math:`\lambda` is
:math:`NB_{sa}(\lambda) = \lambda E_{sa} - C_{sa}`. :func:`analyze` evaluates, on a grid of
:math:`\lambda`, the probability that each strategy has the highest net benefit (CEAC), the
strategy with the highest expected net benefit (CEAF) and the expected value of perfect
information (EVPI), in one vectorised pass over draws that is chunked along the grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._options import chunk_values
from decisionkit._validation import (
    Interval,
    caller_name,
    check_names,
    check_wtp,
    fail,
    validate_params,
)
from decisionkit.cea._icer import icer_table
from decisionkit.decision._kernel import net_benefit_grid
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution, require_outcomes

__all__ = ["CEAResult", "analyze"]

DEFAULT_WTP = np.arange(0.0, 50_001.0, 100.0)


@dataclass(frozen=True, repr=False, eq=False)
class CEAResult:
    r"""The result of :func:`analyze` (immutable).

    Attributes
    ----------
    strategies : tuple of str
        Strategy (action) names in input order.
    wtp : numpy.ndarray
        Willingness-to-pay grid (currency per unit of effect).
    reference : str
        Comparator for incremental results (INB, CE plane).
    cost_name, effect_name : str
        Metric names the costs and effects came from.
    prob : float
        Probability of the central intervals reported by :meth:`inb`.
    cost, effect : numpy.ndarray
        Read-only draws, shape ``(n_draws, n_strategies)``.
    prob_best : numpy.ndarray
        Read-only ``(n_wtp, n_strategies)``: probability that each strategy has the highest
        net benefit (ties shared equally), the CEAC.
    expected_max_nb : numpy.ndarray
        Read-only ``(n_wtp,)``: :math:`E_s[\max_a NB_{sa}]` (the value with perfect information).
    evpi_nb : numpy.ndarray
        Read-only ``(n_wtp,)``: EVPI per decision, the mean per-draw regret of the strategy
        with the highest expected net benefit (see :meth:`evpi`).
    """

    strategies: tuple[str, ...]
    wtp: np.ndarray = field(repr=False)
    reference: str
    cost_name: str
    effect_name: str
    prob: float
    cost: np.ndarray = field(repr=False)
    effect: np.ndarray = field(repr=False)
    prob_best: np.ndarray = field(repr=False)
    expected_max_nb: np.ndarray = field(repr=False)
    evpi_nb: np.ndarray = field(repr=False)

    # ------------------------------------------------------------------ basics
    @property
    def n_draws(self) -> int:
        """Number of draws."""
        return int(self.cost.shape[0])

    @property
    def mean_cost(self) -> np.ndarray:
        """Expected cost per strategy."""
        return self.cost.mean(axis=0)

    @property
    def mean_effect(self) -> np.ndarray:
        """Expected effect per strategy."""
        return self.effect.mean(axis=0)

    @property
    def expected_nb(self) -> np.ndarray:
        r"""Expected net benefit :math:`\lambda \bar E_a - \bar C_a`, (n_wtp, n_strategies)."""
        return self.wtp[:, None] * self.mean_effect[None, :] - self.mean_cost[None, :]

    @property
    def _ref(self) -> int:
        return self.strategies.index(self.reference)

    # ------------------------------------------------------------------ tables
    def icers(self) -> pd.DataFrame:
        """ICER table on the expected costs and effects (see :func:`icer_table`)."""
        return icer_table(self.mean_cost, self.mean_effect, list(self.strategies))

    def ceac(self) -> pd.DataFrame:
        """Cost-effectiveness acceptability curves: columns ``wtp, strategy, prob_best``.

        ``prob_best`` is the probability that the strategy has the **highest net benefit
        among all strategies** at that wtp (ties shared equally), so the values sum to 1
        over strategies at each wtp. This is not the pairwise "probability that a strategy
        is cost-effective compared with one comparator" that some software reports; with
        two strategies the two notions coincide.
        """
        return self._long(self.prob_best, "prob_best")

    def ceaf(self) -> pd.DataFrame:
        """Cost-effectiveness acceptability frontier: ``wtp, strategy, prob_best, expected_nb``.

        At each wtp, the strategy with the highest *expected* net benefit (the decision a
        risk-neutral decision maker takes; ties go to the strategy listed first) and the
        probability that it has the highest net benefit. The frontier may show a strategy
        whose probability is not the largest: expected value, not probability, decides.
        """
        enb = self.expected_nb
        best = np.argmax(enb, axis=1)
        rows = np.arange(self.wtp.size)
        return pd.DataFrame(
            {
                "wtp": self.wtp,
                "strategy": np.asarray(self.strategies, dtype=object)[best].astype(str),
                "prob_best": self.prob_best[rows, best],
                "expected_nb": enb[rows, best],
            }
        )

    @property
    def evpi(self) -> pd.Series:
        r"""Per-decision EVPI, a Series named ``evpi`` indexed by ``wtp``.

        The mean per-draw regret of the strategy with the highest expected net benefit, equal
        to :math:`E[\max_a NB_a] - \max_a E[NB_a]` and never negative. Returned as by every
        result (``Decision.evpi``, ``dk.voi.evpi``): a Series indexed by the extra dim.
        """
        return pd.Series(np.array(self.evpi_nb), index=pd.Index(self.wtp, name="wtp"), name="evpi")

    def switch_points(self) -> pd.DataFrame:
        """Willingness-to-pay values at which the optimal strategy (by expected NB) changes.

        Computed exactly from the expected costs and effects: the optimum moves along the
        cost-effectiveness frontier and switches from one frontier strategy to the next at
        that next strategy's ICER. Columns ``wtp, from_strategy, to_strategy, in_grid``
        (``in_grid``: whether the switch lies within the analysed wtp range). Empty when one
        strategy is optimal at every non-negative wtp.
        """
        t = self.icers()
        nd = t[t["status"] == "ND"].reset_index(drop=True)
        wtp = nd["icer"].to_numpy()[1:]
        return pd.DataFrame(
            {
                "wtp": wtp,
                "from_strategy": nd["strategy"].to_numpy()[:-1].astype(str),
                "to_strategy": nd["strategy"].to_numpy()[1:].astype(str),
                "in_grid": (wtp >= self.wtp[0]) & (wtp <= self.wtp[-1]),
            }
        )

    @validate_params()
    def inb(self, wtp: Any = None) -> pd.DataFrame:
        r"""Incremental net benefit against the reference, with a central interval.

        :math:`INB_a(\lambda) = \lambda (E_a - E_{ref}) - (C_a - C_{ref})` per draw; columns
        ``wtp, strategy, inb`` (mean), ``lower``, ``upper`` (quantiles at
        ``(1 - prob) / 2`` and ``(1 + prob) / 2``) and ``prob_positive``. The reference is
        left out.

        Parameters
        ----------
        wtp : float or 1-D array, optional
            Evaluate at these values instead of the analysed grid.
        """
        grid = self.wtp if wtp is None else _wtp_grid(wtp)
        dc, de = self._incremental()
        others = [s for s in self.strategies if s != self.reference]
        if not others:
            return pd.DataFrame(
                columns=["wtp", "strategy", "inb", "lower", "upper", "prob_positive"]
            )
        q = [(1 - self.prob) / 2, (1 + self.prob) / 2]
        step = chunk_values(4 * dc.size)  # inb and the quantile's working copies
        parts = []
        dct, det = np.ascontiguousarray(dc.T), np.ascontiguousarray(de.T)
        for s in range(0, grid.size, step):
            w = grid[s : s + step]
            # strategy, wtp, draw: draws last and contiguous, ~2x faster quantiles
            inb = w[None, :, None] * det[:, None, :] - dct[:, None, :]
            lo, hi = np.quantile(inb, q, axis=-1)
            parts.append((inb.mean(axis=-1), lo, hi, (inb > 0).mean(axis=-1)))
        mean, lo, hi, pos = (np.concatenate([p[i] for p in parts], axis=1) for i in range(4))
        return pd.DataFrame(
            {
                "wtp": np.tile(grid, len(others)),
                "strategy": np.repeat(others, grid.size),
                "inb": mean.ravel(),
                "lower": lo.ravel(),
                "upper": hi.ravel(),
                "prob_positive": pos.ravel(),
            }
        )

    def ce_plane(self) -> pd.DataFrame:
        """Incremental cost and effect draws against the reference (tidy).

        Columns ``draw, strategy, inc_effect, inc_cost``; the reference is left out.
        """
        dc, de = self._incremental()
        others = [s for s in self.strategies if s != self.reference]
        n = self.n_draws
        return pd.DataFrame(
            {
                "draw": np.tile(np.arange(n), len(others)),
                "strategy": np.repeat(others, n),
                "inc_effect": de.T.ravel(),
                "inc_cost": dc.T.ravel(),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy per (wtp, strategy): ``expected_nb``, ``prob_best`` (CEAC), ``optimal``."""
        frame = self._long(self.expected_nb, "expected_nb")
        frame["prob_best"] = self.prob_best.ravel()
        frame["optimal"] = (
            np.argmax(self.expected_nb, axis=1)[:, None] == np.arange(len(self.strategies))
        ).ravel()
        return frame

    def summary(self) -> str:
        """A short readable report: ICER table, switch points, CEAF and EVPI range."""
        lines = [
            f"Cost-effectiveness analysis: {len(self.strategies)} strategies, "
            f"{self.n_draws} draws, wtp {self.wtp[0]:,.6g} to {self.wtp[-1]:,.6g} "
            f"({self.wtp.size} values); reference {self.reference!r}",
            _readable(self.icers()).to_string(index=False),
        ]
        sp = self.switch_points()
        if sp.empty:
            lines.append("The same strategy is optimal at every wtp.")
        for _, r in sp.iterrows():
            lines.append(
                f"Optimal switches {r.from_strategy} -> {r.to_strategy} at wtp {r.wtp:,.6g}"
            )
        ev = self.evpi
        lines.append(f"EVPI per decision: {ev.min():,.6g} to {ev.max():,.6g} over the grid")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<CEAResult>\n" + self.summary()

    # ------------------------------------------------------------------ helpers
    def _incremental(self) -> tuple[np.ndarray, np.ndarray]:
        keep = [i for i in range(len(self.strategies)) if i != self._ref]
        dc = self.cost[:, keep] - self.cost[:, [self._ref]]
        de = self.effect[:, keep] - self.effect[:, [self._ref]]
        return dc, de

    def _long(self, values: np.ndarray, name: str) -> pd.DataFrame:
        k = len(self.strategies)
        return pd.DataFrame(
            {
                "wtp": np.repeat(self.wtp, k),
                "strategy": np.tile(np.asarray(self.strategies, dtype=object), self.wtp.size),
                name: values.ravel(),
            }
        ).astype({"strategy": str})


@validate_params({"prob": Interval(0.0, 1.0, closed="neither")})
def analyze(
    outcomes: OutcomeDistribution,
    *,
    effect: str = "qaly",
    cost: str = "cost",
    wtp: Any = None,
    reference: str | None = None,
    prob: float = 0.95,
) -> CEAResult:
    r"""Probabilistic cost-effectiveness analysis over a willingness-to-pay grid.

    With net benefit :math:`NB_{sa}(\lambda) = \lambda E_{sa} - C_{sa}` over draws
    :math:`s = 1..S` and strategies :math:`a`:

    - CEAC: :math:`P_a(\lambda) = \frac1S \sum_s 1[NB_{sa} = \max_b NB_{sb}]` (ties shared);
      the probability of having the *highest* net benefit, which sums to 1 over strategies;
    - CEAF: :math:`\arg\max_a \overline{NB}_a(\lambda)` and its :math:`P_a(\lambda)`;
    - EVPI: :math:`\frac1S \sum_s \max_a NB_{sa} - \max_a \overline{NB}_a`, identical to
      ``dk.decide(outcomes, dk.utility.net_monetary_benefit(wtp=w)).evpi`` (same metrics);
    - switch points: the ICERs along the frontier of expected costs and effects.

    Parameters
    ----------
    outcomes : OutcomeDistribution
        Draws with a cost and an effect metric per strategy (no extra dims).
    effect, cost : str
        Metric names.
    wtp : float or 1-D array, optional
        Non-negative, strictly increasing grid of willingness to pay per unit of effect
        (default 0 to 50,000 in steps of 100).
    reference : str, optional
        Comparator for the INB and the CE plane (default: the strategy with the lowest
        expected cost, i.e. the first one on the frontier).
    prob : float
        Probability of the INB intervals.

    Returns
    -------
    CEAResult

    Notes
    -----
    Net benefit is linear in :math:`\lambda`, so per draw the best strategy switches at most
    (strategies - 1) times along the grid: the decision kernel builds the upper envelope of the
    lines :math:`\lambda E_{sa} - C_{sa}` per draw and reads the CEAC and EVPI off it for the
    whole grid (:func:`decisionkit.decision._kernel.net_benefit_grid`), with memory of the
    order of the grid, not draws x strategies x grid.

    References
    ----------
    Fenwick E, Claxton K, Sculpher M. Representing uncertainty: the role of
    cost-effectiveness acceptability curves. Health Econ 2001;10:779-787.

    Baio G, Berardi A, Heath A. Bayesian Cost-Effectiveness Analysis with the R package BCEA.
    Springer, 2017.

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> rng = np.random.default_rng(0)
    >>> out = dk.OutcomeDistribution.from_arrays(
    ...     {"cost": rng.normal([1000, 3000], 200, (2000, 2)),
    ...      "qaly": rng.normal([1.0, 1.1], 0.05, (2000, 2))},
    ...     actions=["Standard care", "New drug"])
    >>> ce = dk.cea.analyze(out, wtp=np.arange(0, 50_001, 1000))
    >>> ce.reference
    'Standard care'
    """
    require_outcomes(
        outcomes,
        caller_name(),
        hint="Build one with dk.OutcomeDistribution.from_arrays({'cost': ..., 'qaly': ...}).",
    )
    if outcomes.extra_dims:
        raise ValidationError(
            f"analyze needs outcomes with dims (draw, action) only; these have extra dims "
            f"{outcomes.extra_dims}. Aggregate them first (e.g. mean over patients)."
        )
    cost_name = check_names([cost], "cost")[0]
    effect_name = check_names([effect], "effect")[0]
    # the outcomes' arrays are read-only already, so the result shares them (no copy, which
    # keeps peak memory near the input's on millions of draws); anything writable is copied
    c_v, e_v = outcomes.metric(cost_name).data, outcomes.metric(effect_name).data
    if outcomes.is_lazy:  # dask-backed: both metrics from one graph, computed once
        import dask

        c_v, e_v = dask.compute(c_v, e_v)
    c, e = _read_only(c_v), _read_only(e_v)
    grid = DEFAULT_WTP.copy() if wtp is None else _wtp_grid(wtp)
    prob = float(prob)
    strategies = tuple(outcomes.actions)
    if reference is None:
        mc, me = c.mean(axis=0), e.mean(axis=0)
        reference = strategies[int(np.lexsort((-me, mc))[0])]
    elif reference not in strategies:
        raise fail("reference", f"one of the strategies {list(strategies)}", reference)
    prob_best, evpi, emax = net_benefit_grid(c, e, grid)
    for arr in (c, e, grid, prob_best, emax, evpi):
        arr.flags.writeable = False
    return CEAResult(
        strategies, grid, str(reference), cost_name, effect_name, prob, c, e, prob_best, emax, evpi
    )


def _read_only(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr.copy() if arr.flags.writeable else arr


def _wtp_grid(wtp: Any) -> np.ndarray:
    scalar, grid = check_wtp(wtp, positive=False)
    return np.array([scalar]) if grid is None else grid.copy()


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers of a summary table as people read them ("—" where not applicable)."""
    from decisionkit._format import number, table

    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    return table(frame, dict.fromkeys(numeric, number))
