r"""Bootstrapped cost-effectiveness acceptability curves: the Monte-Carlo uncertainty of a CEAC.

The CEAC :math:`P_a(\lambda)` is itself estimated from a finite number of PSA draws. Resampling
the draws with replacement :math:`B` times and recomputing the CEAC on each resample (by the
decision kernel) gives its sampling distribution, summarised by a percentile band.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    Interval,
    check_random_state,
    validate_params,
)
from decisionkit.cea._inputs import draws, wtp_grid
from decisionkit.decision._kernel import net_benefit_grid

__all__ = ["BootstrapCEAC", "bootstrap_ceac"]


@dataclass(frozen=True, repr=False, eq=False)
class BootstrapCEAC:
    r"""A CEAC with its bootstrap band (immutable).

    Attributes
    ----------
    strategies : tuple of str
        Strategy names in input order.
    wtp : numpy.ndarray
        Willingness-to-pay grid ``(n_wtp,)``.
    prob : float
        Probability of the band.
    n_boot : int
        Number of bootstrap resamples.
    prob_best : numpy.ndarray
        ``(n_wtp, n_strategies)``: the CEAC of all draws (as :func:`analyze`).
    lower, upper : numpy.ndarray
        ``(n_wtp, n_strategies)``: the :math:`(1 \mp prob)/2` quantiles of the resampled CEACs.
    se : numpy.ndarray
        ``(n_wtp, n_strategies)``: the standard deviation of the resampled CEACs.
    """

    strategies: tuple[str, ...]
    wtp: np.ndarray = field(repr=False)
    prob: float
    n_boot: int
    prob_best: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    se: np.ndarray = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Tidy ``wtp, strategy, prob_best, lower, upper, se``."""
        k = len(self.strategies)
        return pd.DataFrame(
            {
                "wtp": np.repeat(self.wtp, k),
                "strategy": np.tile(np.asarray(self.strategies, dtype=object), self.wtp.size),
                "prob_best": self.prob_best.ravel(),
                "lower": self.lower.ravel(),
                "upper": self.upper.ravel(),
                "se": self.se.ravel(),
            }
        ).astype({"strategy": str})

    @property
    def summary(self) -> pd.DataFrame:
        """Per strategy: the widest band over the grid and where it is."""
        width = self.upper - self.lower
        at = width.argmax(axis=0)
        return pd.DataFrame(
            {
                "strategy": list(self.strategies),
                "max_width": width.max(axis=0),
                "wtp_at_max_width": self.wtp[at],
                "max_se": self.se.max(axis=0),
            }
        )

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        from decisionkit._format import number, table

        shown = table(
            self.summary, {c: number for c in ("max_width", "wtp_at_max_width", "max_se")}
        )
        return (
            f"<BootstrapCEAC: {self.n_boot} resamples, {self.prob:.0%} band, "
            f"{self.wtp.size} wtp values>\n" + shown.to_string(index=False)
        )


@validate_params(
    {
        "n_boot": Interval(10, None, integer=True),
        "prob": Interval(0.0, 1.0, closed="neither"),
        "random_seed": "random_state",
    }
)
def bootstrap_ceac(
    outcomes: Any,
    *,
    n_boot: int = 200,
    cost: str | None = None,
    effect: str | None = None,
    wtp: Any = None,
    prob: float = 0.95,
    random_seed: Any = None,
) -> BootstrapCEAC:
    r"""The CEAC with a bootstrap percentile band from resampling the PSA draws.

    For resamples :math:`b = 1..B` of the :math:`S` draws (with replacement), the CEAC
    :math:`P^{(b)}_a(\lambda) = \frac1S \sum_s 1[NB_{s_b a} = \max_c NB_{s_b c}]` (ties shared)
    is computed on the whole grid by the decision kernel's upper-envelope pass; the band is
    the :math:`(1 \mp prob)/2` quantiles over :math:`b` and ``se`` their standard deviation.
    A wide band says that more PSA draws are needed before reading the CEAC to that
    precision; with independent draws ``se`` is close to
    :math:`\sqrt{P(1 - P) / S}`.

    Parameters
    ----------
    outcomes : OutcomeDistribution or CEAResult
        PSA draws, or the result of :func:`analyze`.
    n_boot : int
        Number of resamples (at least 10). CPU time grows linearly with it (each costs
        about one :func:`analyze` pass).
    cost, effect : str, optional
        Metric names (default ``"cost"`` and ``"qaly"``); leave out with a CEAResult.
    wtp : float or 1-D array, optional
        Willingness-to-pay grid (default: the CEAResult's, or 0 to 50,000 by 100).
    prob : float
        Probability of the band.
    random_seed : int or numpy.random.Generator, optional
        Same seed, same band.

    Returns
    -------
    BootstrapCEAC

    References
    ----------
    Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall, 1993.

    Baio G, Berardi A, Heath A. Bayesian Cost-Effectiveness Analysis with the R package
    BCEA. Springer, 2017. Section 4.2.2 (the CEAC).

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> rng = np.random.default_rng(0)
    >>> out = dk.OutcomeDistribution.from_arrays(
    ...     {"cost": rng.normal([0, 1000], 300, (500, 2)),
    ...      "qaly": rng.normal([1.0, 1.05], 0.05, (500, 2))}, actions=["A", "B"])
    >>> band = dk.cea.bootstrap_ceac(out, n_boot=50, wtp=[20_000.0], random_seed=1)
    >>> band.lower.shape, bool((band.upper >= band.lower).all())
    ((1, 2), True)
    """
    d = draws(outcomes, cost, effect)
    grid = wtp_grid(wtp, d.wtp)
    n_boot = int(n_boot)
    prob = float(prob)
    rng = check_random_state(random_seed)
    n = d.cost.shape[0]
    point = net_benefit_grid(d.cost, d.effect, grid)[0]
    reps = np.empty((n_boot, *point.shape))
    for b in range(n_boot):  # resamples, each one vectorised pass over draws (never draws)
        idx = rng.integers(0, n, n)
        reps[b] = net_benefit_grid(d.cost[idx], d.effect[idx], grid)[0]
    lower, upper = np.quantile(reps, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
    se = reps.std(axis=0, ddof=1)
    for arr in (point, lower, upper, se):
        arr.flags.writeable = False
    return BootstrapCEAC(d.strategies, grid, prob, n_boot, point, lower, upper, se)
