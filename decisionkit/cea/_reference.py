r"""Incremental results of every strategy against one chosen reference (BCEA's ``ref=``).

For cost draws :math:`C_{sa}` and effect draws :math:`E_{sa}` and a reference strategy
:math:`r`, each comparator :math:`a \ne r` has the incremental draws
:math:`\Delta E_{sa} = E_{sa} - E_{sr}`, :math:`\Delta C_{sa} = C_{sa} - C_{sr}`, the ICER
:math:`\overline{\Delta C}_a / \overline{\Delta E}_a` and the incremental benefit
:math:`IB_{sa}(\lambda) = \lambda \Delta E_{sa} - \Delta C_{sa}`, whose mean is the expected
incremental benefit (EIB) and whose quantiles over draws give its credible interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._options import chunk_values
from decisionkit._validation import Interval, Options, validate_params
from decisionkit.cea._inputs import draws, reference_index, wtp_grid
from decisionkit.decision._kernel import reduce_draws

__all__ = ["IncrementalResult", "incremental"]

INTERVALS = ("quantile", "normal")


@dataclass(frozen=True, repr=False, eq=False)
class IncrementalResult:
    r"""Every comparator against one reference: ICERs and the EIB with credible intervals.

    Attributes
    ----------
    strategies : tuple of str
        All strategy names in input order.
    reference : str
        The strategy the others are compared with.
    comparators : tuple of str
        The other strategies, in input order.
    wtp : numpy.ndarray
        Willingness-to-pay grid of :meth:`eib`.
    prob : float
        Probability of the credible intervals.
    interval : str
        ``"quantile"`` (equal-tailed quantiles of the draws) or ``"normal"``.
    cost_name, effect_name : str
        Metric names.
    inc_cost, inc_effect : numpy.ndarray
        Read-only incremental draws ``(n_draws, n_comparators)``, comparator minus reference.
    """

    strategies: tuple[str, ...]
    reference: str
    comparators: tuple[str, ...]
    wtp: np.ndarray = field(repr=False)
    prob: float
    interval: str
    cost_name: str
    effect_name: str
    inc_cost: np.ndarray = field(repr=False)
    inc_effect: np.ndarray = field(repr=False)

    @property
    def n_draws(self) -> int:
        """Number of draws."""
        return int(self.inc_cost.shape[0])

    @property
    def summary(self) -> pd.DataFrame:
        r"""One row per comparator: mean increments, ICER and CE-plane quadrant.

        Columns ``strategy, reference, inc_effect, inc_cost, icer, quadrant``: the means of
        :math:`\Delta E` and :math:`\Delta C` (comparator minus reference), the ICER
        :math:`\overline{\Delta C} / \overline{\Delta E}` (NaN when
        :math:`\overline{\Delta E} = 0`), and where the mean lies on the CE plane:
        ``"NE"`` more effective and more costly (the ICER is a price per unit of effect),
        ``"SE"`` more effective and cheaper (it dominates the reference), ``"NW"`` less
        effective and more costly (dominated by the reference), ``"SW"`` less effective and
        cheaper (the ICER is a saving per unit of effect lost). A tie on either axis
        counts as the more costly / less effective side.
        """
        de = self.inc_effect.mean(axis=0)
        dc = self.inc_cost.mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            icer = np.where(de != 0, dc / np.where(de != 0, de, 1.0), np.nan)
        quadrant = np.where(dc >= 0, "N", "S").astype(object) + np.where(de > 0, "E", "W")
        return pd.DataFrame(
            {
                "strategy": list(self.comparators),
                "reference": self.reference,
                "inc_effect": de,
                "inc_cost": dc,
                "icer": icer,
                "quadrant": quadrant.astype(str),
            }
        )

    @validate_params()
    def eib(self, wtp: Any = None) -> pd.DataFrame:
        r"""Expected incremental benefit with its credible interval, per wtp and comparator.

        Columns ``wtp, strategy, eib, lower, upper, prob_positive``: the mean of
        :math:`IB_{sa}(\lambda) = \lambda \Delta E_{sa} - \Delta C_{sa}` over draws, the
        central interval of probability ``prob`` of those draws, and
        :math:`P(IB > 0)` (the pairwise CEAC against the reference).

        With ``interval="quantile"`` (as BCEA's ``eib.plot(plot.cri = TRUE)`` with its
        default ``cri.quantile = TRUE``) the bounds are the :math:`(1 \mp prob)/2` quantiles
        of the draws by linear interpolation (R's type 7); with ``"normal"`` they are
        :math:`\bar x \pm z_{(1+prob)/2}\, sd(x)` (BCEA's ``cri.quantile = FALSE``; sd
        with divisor :math:`S - 1`). The quantiles and sd come from the decision kernel.

        Parameters
        ----------
        wtp : float or 1-D array, optional
            Evaluate at these values instead of the result's grid.
        """
        grid = self.wtp if wtp is None else wtp_grid(wtp, self.wtp)
        k, n = len(self.comparators), self.n_draws
        columns = ["wtp", "strategy", "eib", "lower", "upper", "prob_positive"]
        if k == 0:
            return pd.DataFrame(columns=columns)
        quantile = self.interval == "quantile"
        step = chunk_values(3 * n * k)  # the IB block, its contiguous copy and the kernel's
        mean, lo, hi, pos = (np.empty((grid.size, k)) for _ in range(4))
        for s in range(0, grid.size, step):
            w = grid[s : s + step]
            ib = w[:, None, None] * self.inc_effect[None] - self.inc_cost[None]
            pos[s : s + step] = (ib > 0).mean(axis=1)
            stats = reduce_draws(
                xr.DataArray(ib, dims=("wtp", "draw", "action")),
                prob=self.prob if quantile else None,
                what="The incremental benefit draws",
            )
            mean[s : s + step] = stats["expected_utility"].values
            if quantile:
                lo[s : s + step] = stats["lower"].values
                hi[s : s + step] = stats["upper"].values
            else:
                from scipy.stats import norm

                half = norm.ppf((1 + self.prob) / 2) * stats["sd"].values
                lo[s : s + step] = mean[s : s + step] - half
                hi[s : s + step] = mean[s : s + step] + half
        return pd.DataFrame(
            {
                "wtp": np.tile(grid, k),
                "strategy": np.repeat(list(self.comparators), grid.size),
                "eib": mean.T.ravel(),
                "lower": lo.T.ravel(),
                "upper": hi.T.ravel(),
                "prob_positive": pos.T.ravel(),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy EIB over the grid (see :meth:`eib`), with the reference in a column."""
        frame = self.eib()
        frame.insert(2, "reference", self.reference)
        return frame

    def ce_plane(self) -> pd.DataFrame:
        """Incremental draws (tidy): ``draw, strategy, inc_effect, inc_cost``."""
        n = self.n_draws
        return pd.DataFrame(
            {
                "draw": np.tile(np.arange(n), len(self.comparators)),
                "strategy": np.repeat(list(self.comparators), n),
                "inc_effect": self.inc_effect.T.ravel(),
                "inc_cost": self.inc_cost.T.ravel(),
            }
        )

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        from decisionkit._format import number, table

        t = self.summary
        shown = table(t, {c: number for c in ("inc_effect", "inc_cost", "icer")})
        return (
            f"<IncrementalResult: {len(self.comparators)} comparator(s) against "
            f"{self.reference!r}, {self.n_draws} draws>\n" + shown.to_string(index=False)
        )


@validate_params({"prob": Interval(0.0, 1.0, closed="neither"), "interval": Options(INTERVALS)})
def incremental(
    outcomes: Any,
    *,
    cost: str | None = None,
    effect: str | None = None,
    reference: str | None = None,
    wtp: Any = None,
    prob: float = 0.95,
    interval: str = "quantile",
) -> IncrementalResult:
    r"""ICERs and expected incremental benefit of every strategy against one reference.

    The counterpart of BCEA's ``bcea(e, c, ref = ...)``: each comparator :math:`a` is
    compared with the chosen reference :math:`r` (not only with its neighbour on the
    frontier, as in :func:`icer_table`):

    .. math::

        \Delta E_{sa} = E_{sa} - E_{sr}, \quad \Delta C_{sa} = C_{sa} - C_{sr}, \quad
        \mathrm{ICER}_a = \frac{\frac1S \sum_s \Delta C_{sa}}{\frac1S \sum_s \Delta E_{sa}},
        \quad \mathrm{EIB}_a(\lambda) = \frac1S \sum_s (\lambda \Delta E_{sa} - \Delta C_{sa}).

    Parameters
    ----------
    outcomes : OutcomeDistribution or CEAResult
        PSA draws with a cost and an effect metric per strategy (no extra dims), or the
        result of :func:`analyze` (its draws, metrics and wtp grid are reused).
    cost, effect : str, optional
        Metric names (default ``"cost"`` and ``"qaly"``); leave out with a CEAResult.
    reference : str, optional
        The strategy the others are compared with. Default: the CEAResult's reference, or
        the strategy with the lowest expected cost (as :func:`analyze`). BCEA's default is
        the first strategy; pass it by name to reproduce that.
    wtp : float or 1-D array, optional
        Willingness-to-pay grid of the EIB (default: the CEAResult's, or 0 to 50,000 by 100).
    prob : float
        Probability of the EIB credible intervals (BCEA: ``1 - alpha``, default 0.95).
    interval : {"quantile", "normal"}
        How the credible interval is formed (see :meth:`IncrementalResult.eib`).

    Returns
    -------
    IncrementalResult

    Notes
    -----
    Signs: decisionkit reports comparator minus reference throughout (as
    :meth:`CEAResult.inb` and the CE plane), so a positive EIB favours the comparator.
    BCEA stores reference minus comparator (``delta_e = e[, ref] - e[, comp]``) because its
    reference is the new intervention: its ``delta_e``, ``delta_c`` and ``eib`` are the
    negatives of these, and its ICERs are the same numbers.

    References
    ----------
    Baio G, Berardi A, Heath A. Bayesian Cost-Effectiveness Analysis with the R package
    BCEA. Springer, 2017. Chapter 3 (``bcea``, ``eib.plot``).

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> out = dk.OutcomeDistribution.from_arrays(
    ...     {"cost": np.array([[0.0, 100, 300], [0, 300, 500]]),
    ...      "qaly": np.array([[1.0, 1.1, 1.0], [1.0, 1.1, 1.2]])},
    ...     actions=["A", "B", "C"])
    >>> dk.cea.incremental(out, reference="A", wtp=[0.0]).summary[["strategy", "icer"]]
      strategy    icer
    0        B  2000.0
    1        C  4000.0
    """
    d = draws(outcomes, cost, effect)
    ref = reference_index(d, reference)
    grid = wtp_grid(wtp, d.wtp)
    prob = float(prob)
    keep = [i for i in range(len(d.strategies)) if i != ref]
    dc = d.cost[:, keep] - d.cost[:, [ref]]
    de = d.effect[:, keep] - d.effect[:, [ref]]
    dc.flags.writeable = False
    de.flags.writeable = False
    return IncrementalResult(
        d.strategies,
        d.strategies[ref],
        tuple(d.strategies[i] for i in keep),
        grid,
        prob,
        interval,
        d.cost_name,
        d.effect_name,
        dc,
        de,
    )
