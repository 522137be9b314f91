r"""Mixed strategy / market shares (BCEA's ``mixedAn``): the value of implementation.

When the population is split across strategies with shares :math:`m_a` (:math:`m_a \ge 0`,
:math:`\sum_a m_a = 1`) instead of everyone receiving the optimal strategy, the expected net
benefit is :math:`\sum_a m_a \overline{NB}_a(\lambda)` and the EVPI of that mixed decision
is measured against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import fail, validate_params
from decisionkit.cea._inputs import draws, wtp_grid
from decisionkit.decision._kernel import net_benefit_grid

__all__ = ["MixedStrategyResult", "mixed_strategy"]


@dataclass(frozen=True, repr=False, eq=False)
class MixedStrategyResult:
    r"""Expected net benefit and EVPI of a market-share mix against the optimal strategy.

    Attributes
    ----------
    strategies : tuple of str
        Strategy names in input order.
    shares : numpy.ndarray
        Market share of each strategy (sums to 1).
    wtp : numpy.ndarray
        Willingness-to-pay grid.
    expected_nb : numpy.ndarray
        ``(n_wtp, n_strategies)``: :math:`\lambda \bar E_a - \bar C_a`.
    expected_max_nb : numpy.ndarray
        ``(n_wtp,)``: :math:`E_s[\max_a NB_{sa}]`, the value with perfect information.
    evpi_optimal : numpy.ndarray
        ``(n_wtp,)``: the EVPI when the optimal strategy is implemented for everyone.
    """

    strategies: tuple[str, ...]
    shares: np.ndarray = field(repr=False)
    wtp: np.ndarray = field(repr=False)
    expected_nb: np.ndarray = field(repr=False)
    expected_max_nb: np.ndarray = field(repr=False)
    evpi_optimal: np.ndarray = field(repr=False)

    @property
    def expected_nb_mixed(self) -> np.ndarray:
        r"""``(n_wtp,)``: :math:`\sum_a m_a (\lambda \bar E_a - \bar C_a)`."""
        return self.expected_nb @ self.shares

    @property
    def evpi_mixed(self) -> np.ndarray:
        r"""EVPI of the mix, ``(n_wtp,)``: BCEA's ``evi.star``.

        :math:`E_s[\max_a NB_{sa}] - \sum_a m_a \overline{NB}_a`, the value of perfect
        information *and* perfect implementation.
        """
        return np.maximum(self.expected_max_nb - self.expected_nb_mixed, 0.0)

    @property
    def value_of_implementation(self) -> np.ndarray:
        r"""Value of implementation, ``(n_wtp,)``.

        :math:`\max_a \overline{NB}_a - \sum_a m_a \overline{NB}_a \ge 0`, what moving
        everyone to the optimal strategy is worth (``evpi_mixed - evpi_optimal``).
        """
        return np.maximum(self.expected_nb.max(axis=1) - self.expected_nb_mixed, 0.0)

    @property
    def evpi(self) -> pd.Series:
        """EVPI of the mixed decision (``evpi_mixed``), a Series indexed by ``wtp``."""
        return pd.Series(self.evpi_mixed, index=pd.Index(self.wtp, name="wtp"), name="evpi")

    def to_frame(self) -> pd.DataFrame:
        """Tidy per wtp.

        Columns ``wtp, expected_nb_optimal, expected_nb_mixed, evpi_optimal, evpi_mixed,
        value_of_implementation``.
        """
        return pd.DataFrame(
            {
                "wtp": self.wtp,
                "expected_nb_optimal": self.expected_nb.max(axis=1),
                "expected_nb_mixed": self.expected_nb_mixed,
                "evpi_optimal": self.evpi_optimal,
                "evpi_mixed": self.evpi_mixed,
                "value_of_implementation": self.value_of_implementation,
            }
        )

    @property
    def summary(self) -> pd.DataFrame:
        """The shares: ``strategy, share``."""
        return pd.DataFrame({"strategy": list(self.strategies), "share": self.shares})

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        from decisionkit._format import number, percent

        shares = ", ".join(
            f"{s} {percent(m)}" for s, m in zip(self.strategies, self.shares, strict=True)
        )
        voi = self.value_of_implementation
        return (
            f"<MixedStrategyResult: shares {shares}; wtp {self.wtp[0]:,.6g} to "
            f"{self.wtp[-1]:,.6g}>\nvalue of implementation {number(voi.min())} to "
            f"{number(voi.max())}; EVPI mixed {number(self.evpi_mixed.min())} to "
            f"{number(self.evpi_mixed.max())} per decision"
        )


@validate_params()
def mixed_strategy(
    outcomes: Any,
    *,
    shares: Any = None,
    cost: str | None = None,
    effect: str | None = None,
    wtp: Any = None,
) -> MixedStrategyResult:
    r"""Expected net benefit and EVPI when the population is split across strategies.

    With market shares :math:`m_a` and :math:`NB_{sa}(\lambda) = \lambda E_{sa} - C_{sa}`:

    .. math::

        \overline{NB}_{mix} = \sum_a m_a \overline{NB}_a, \quad
        EVPI_{mix} = E_s[\max_a NB_{sa}] - \overline{NB}_{mix}, \quad
        VI = \max_a \overline{NB}_a - \overline{NB}_{mix} = EVPI_{mix} - EVPI.

    :math:`EVPI_{mix}` is BCEA's ``evi.star``: what perfect information and perfect
    implementation together are worth given today's market; the value of implementation
    :math:`VI` is its part that needs no research, only moving everyone to the strategy
    with the highest expected net benefit. :math:`E[\max]` comes from the decision kernel.

    Parameters
    ----------
    outcomes : OutcomeDistribution or CEAResult
        PSA draws, or the result of :func:`analyze`.
    shares : mapping or sequence of float, optional
        Market share per strategy: a mapping ``{strategy: share}`` (strategies left out get
        0) or one value per strategy in input order; non-negative, summing to 1. Default:
        equal shares (as BCEA).
    cost, effect : str, optional
        Metric names (default ``"cost"`` and ``"qaly"``); leave out with a CEAResult.
    wtp : float or 1-D array, optional
        Willingness-to-pay grid (default: the CEAResult's, or 0 to 50,000 by 100).

    Returns
    -------
    MixedStrategyResult

    References
    ----------
    Fenwick E, Claxton K, Sculpher M. The value of implementation and the value of
    information: combined and uneven development. Med Decis Making 2008;28:21-32.

    Baio G, Berardi A, Heath A. Bayesian Cost-Effectiveness Analysis with the R package
    BCEA. Springer, 2017. Section 4.3 (``mixedAn``).

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> out = dk.OutcomeDistribution.from_arrays(
    ...     {"cost": np.array([[0.0, 100], [0, 300]]), "qaly": np.array([[1.0, 1.1], [1, 1.1]])},
    ...     actions=["A", "B"])
    >>> mx = dk.cea.mixed_strategy(out, shares={"A": 0.25, "B": 0.75}, wtp=[5000.0])
    >>> round(float(mx.value_of_implementation[0]), 6)  # 0.25 x (300 - 0): B is optimal
    75.0
    """
    d = draws(outcomes, cost, effect)
    grid = wtp_grid(wtp, d.wtp)
    m = _shares(shares, d.strategies)
    _, evpi, emax = net_benefit_grid(d.cost, d.effect, grid)
    enb = grid[:, None] * d.effect.mean(axis=0)[None, :] - d.cost.mean(axis=0)[None, :]
    for arr in (m, enb, emax, evpi):
        arr.flags.writeable = False
    return MixedStrategyResult(d.strategies, m, grid, enb, emax, evpi)


def _shares(shares: Any, strategies: tuple[str, ...]) -> np.ndarray:
    k = len(strategies)
    if shares is None:
        return np.full(k, 1.0 / k)
    if isinstance(shares, Mapping):
        unknown = [s for s in shares if s not in strategies]
        if unknown:
            raise fail(
                "shares",
                f"a mapping whose keys are among the strategies {list(strategies)}",
                unknown,
            )
        values = [shares.get(s, 0.0) for s in strategies]
    else:
        values = shares
    try:
        m = np.asarray(values, dtype=float).copy()
    except (TypeError, ValueError):
        raise fail("shares", "numbers", shares) from None
    if m.shape != (k,):
        raise fail("shares", f"one share per strategy ({k}: {list(strategies)})", shares)
    if not np.isfinite(m).all() or (m < 0).any() or abs(m.sum() - 1.0) > 1e-9:
        raise fail(
            "shares",
            "non-negative shares that sum to 1",
            shares,
            hint=f"These sum to {m.sum():.6g}; divide by the total if they are counts.",
        )
    return m
