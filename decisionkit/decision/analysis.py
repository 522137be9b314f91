"""decide(): from utility draws to a recommendation, its uncertainty and the EVPI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import check_probability, fail
from decisionkit.decision.utility import Objective, Utility, custom, resolve_objective
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import ACTION, DRAW, OutcomeDistribution

__all__ = ["Decision", "decide"]

# decide() evaluates a utility grid (e.g. wtp) in chunks of at most this many float64 values
# (draw x action x grid), so a 10,000 x 10 x 501 grid never sits in memory at once (~32 MB).
_CHUNK_VALUES = 4_000_000


@dataclass(frozen=True, repr=False)
class Decision:
    """The result of :func:`decide` (immutable).

    Attributes
    ----------
    best : str or pandas.Series
        The recommended action; a Series indexed by the extra dims (e.g. ``wtp`` or ``unit``)
        when there are any.
    table : pandas.DataFrame
        One row per action (and extra-dim value): ``expected_utility``, ``sd``, ``mcse``
        (Monte-Carlo standard error of the expected utility, ``sd / sqrt(n_draws)``, which
        assumes independent draws), ``lower``/``upper`` (central interval), ``objective``,
        ``prob_best`` (probability of having the highest utility; ties are shared equally),
        ``expected_loss`` (mean regret against the best action in each draw) and ``rank``
        (1 = best by the objective).
    evpi : float or pandas.Series
        Expected value of perfect information, ``E[max_a U] - max_a E[U]``, in utility units.
    """

    table: pd.DataFrame
    extra_dims: tuple[str, ...]
    objective: str
    utility: str
    n_draws: int
    prob: float | None
    _evpi: pd.Series = field(repr=False)

    @property
    def best(self) -> str | pd.Series:
        """The recommended action (per extra-dim value when there are extra dims)."""
        top = self.table[self.table["rank"] == 1]
        if not self.extra_dims:
            return str(top["action"].iloc[0])
        return top.set_index(list(self.extra_dims))["action"].rename("best")

    @property
    def evpi(self) -> float | pd.Series:
        """Expected value of perfect information (per extra-dim value if any)."""
        if not self.extra_dims:
            return float(self._evpi.iloc[0])
        return self._evpi.copy()

    @property
    def actions(self) -> list[str]:
        """Actions compared."""
        return list(pd.unique(self.table["action"]))

    def to_frame(self) -> pd.DataFrame:
        """The per-action table as a tidy DataFrame (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """A short readable report."""
        lines = [f"Decision on {self.utility} ({self.objective}), {self.n_draws} draws"]
        if not self.extra_dims:
            t = self.table.sort_values("rank")
            lines.append(f"Recommended: {self.best}  (EVPI {self.evpi:.4g})")
            for _, r in t.iterrows():
                lines.append(
                    f"  {r['rank']:>2}. {r['action']:<20} E[U] {r['expected_utility']:>12.4g}"
                    f" ± {r['mcse']:.2g}  P(best) {r['prob_best']:.3f}  "
                    f"E[loss] {r['expected_loss']:.4g}"
                )
        else:
            best = self.best
            counts = best.value_counts()
            lines.append(f"Best action across {len(best)} values of {list(self.extra_dims)}:")
            for action, n in counts.items():
                lines.append(f"  {action}: best for {n}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<Decision>\n" + self.summary()


def decide(
    outcomes: OutcomeDistribution,
    utility: Utility | Any,
    *,
    objective: Objective | str = "expected",
    prob: float | None = 0.95,
) -> Decision:
    r"""Recommend the action that maximises the objective of utility draws.

    For utility draws :math:`U_{sa}` (draw :math:`s`, action :math:`a`):

    - expected utility :math:`\bar U_a = \frac1S \sum_s U_{sa}`;
    - probability best :math:`P_a = \frac1S \sum_s 1[U_{sa} = \max_b U_{sb}]` (ties shared);
    - expected loss :math:`L_a = \frac1S \sum_s (\max_b U_{sb} - U_{sa})`;
    - EVPI :math:`= \frac1S \sum_s \max_a U_{sa} - \max_a \bar U_a`, which equals the
      expected loss of the expected-utility-maximising action.

    Parameters
    ----------
    outcomes : OutcomeDistribution
        Outcome draws per action.
    utility : Utility or callable
        From :mod:`decisionkit.utility`; a plain callable is wrapped with
        :func:`decisionkit.utility.custom` (its output is checked).
    objective : "expected" or Objective
        How draws are reduced per action: ``dk.utility.expected_value()`` (default),
        ``dk.utility.cvar(alpha)`` or ``dk.utility.quantile(q)``.
    prob : float or None
        Probability of the central (equal-tailed) interval in the table; ``None`` skips the
        interval (its columns are NaN), which halves the time on large wtp grids.

    Returns
    -------
    Decision

    References
    ----------
    Raiffa H, Schlaifer R. Applied Statistical Decision Theory. Harvard, 1961.

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> rng = np.random.default_rng(1)
    >>> out = dk.OutcomeDistribution.from_arrays({"gain": rng.normal([0, 1], 1, (4000, 2))},
    ...                                          actions=["A", "B"])
    >>> dk.decide(out, dk.utility.linear({"gain": 1})).best
    'B'
    """
    caller = "decide"
    if not isinstance(outcomes, OutcomeDistribution):
        raise fail(
            "outcomes",
            caller,
            "an OutcomeDistribution",
            type(outcomes).__name__,
            "Build one with dk.OutcomeDistribution.from_arrays().",
        )
    if not isinstance(utility, Utility):
        if not callable(utility):
            raise fail(
                "utility", caller, "a Utility from decisionkit.utility or a callable", utility
            )
        utility = custom(utility)
    obj = resolve_objective(objective, caller)
    prob = None if prob is None else check_probability(prob, "prob", caller)
    parts = [_summarise(u, obj, prob) for u in _utility_chunks(outcomes, utility)]
    table = pd.concat([p[0] for p in parts], ignore_index=True)
    evpi = pd.concat([p[1] for p in parts])
    extra = tuple(c for c in table.columns[: list(table.columns).index("action")])
    return Decision(table, extra, obj.name, utility.name, outcomes.n_draws, prob, evpi)


def _utility_chunks(outcomes: OutcomeDistribution, utility: Utility):
    """Yield utility draws, chunked along the utility's grid dim when it has one."""
    if utility.grid is None:
        yield _checked(utility(outcomes), outcomes, utility)
        return
    per_value = outcomes.n_draws * outcomes.n_actions
    for d in outcomes.extra_dims:
        per_value *= outcomes.data.sizes[d]
    step = max(1, _CHUNK_VALUES // per_value)
    for start in range(0, utility.grid.size, step):
        chunk = utility.grid[start : start + step]
        yield _checked(utility.evaluate(outcomes, chunk), outcomes, utility)


def _checked(u: Any, outcomes: OutcomeDistribution, utility: Utility) -> xr.DataArray:
    if not isinstance(u, xr.DataArray) or u.dims[:2] != (DRAW, ACTION):
        raise ValidationError(
            f"Utility {utility.name!r} must return a DataArray with dims ('draw', 'action', "
            f"...); got {getattr(u, 'dims', type(u).__name__)}."
        )
    if u.sizes[DRAW] != outcomes.n_draws or u.sizes[ACTION] != outcomes.n_actions:
        raise ValidationError(
            f"Utility {utility.name!r} returned {dict(u.sizes)}; expected {outcomes.n_draws} "
            f"draws and {outcomes.n_actions} actions."
        )
    return u


def _summarise(
    u: xr.DataArray, obj: Objective, prob: float | None
) -> tuple[pd.DataFrame, pd.Series]:
    """Per-action statistics of utility draws ``u`` (draw, action, *extra)."""
    extra = [str(d) for d in u.dims[2:]]
    values = np.asarray(u.values, dtype=float)
    n, n_actions = values.shape[:2]
    # work on (cell, action, draw): the draws of one action in one extra-dim cell are
    # contiguous, so every reduction (over draws, or across actions) streams through memory
    w = values.reshape(n, n_actions, -1).transpose(2, 1, 0)
    if not w.flags.c_contiguous:
        w = np.ascontiguousarray(w)
    mean = w.mean(axis=2)  # (cell, action)
    sd = w.std(axis=2, ddof=1)
    umax = w.max(axis=1)  # (cell, draw)
    expected_max = umax.mean(axis=1)
    prob_best = _prob_best(w, umax)
    loss = expected_max[:, None] - mean  # E[max U] - E[U_a], identical to the mean regret
    if prob is None:
        lo = hi = np.full_like(mean, np.nan)
    else:
        lo, hi = _central_interval(w, prob)
    mean, sd, prob_best, loss, lo, hi = (x.T for x in (mean, sd, prob_best, loss, lo, hi))
    if obj.kind == "expected":
        objective = mean
    else:
        objective = np.asarray(obj(u).transpose(ACTION, *extra).values, dtype=float)
        objective = objective.reshape(n_actions, -1)
    rank = _rank_desc(objective, mean)  # rank 1 = best objective; ties: higher mean, order
    evpi = expected_max - mean.max(axis=0)
    stats = {
        "expected_utility": mean,
        "sd": sd,
        "mcse": sd / np.sqrt(n),
        "lower": lo,
        "upper": hi,
        "objective": objective,
        "prob_best": prob_best,
        "expected_loss": loss,
        "rank": rank,
    }
    index = pd.MultiIndex.from_product(
        [u[ACTION].values, *(u[d].values for d in extra)], names=[ACTION, *extra]
    )
    table = pd.DataFrame({k: np.reshape(val, -1) for k, val in stats.items()}, index=index)
    table = table.reset_index()[[*extra, ACTION, *stats]]
    table = table.sort_values([*extra, "rank"], kind="stable").reset_index(drop=True)
    if extra:
        evpi_index = pd.MultiIndex.from_product([u[d].values for d in extra], names=extra)
        if len(extra) == 1:
            evpi_index = evpi_index.get_level_values(0)
        evpi_s = pd.Series(evpi.reshape(-1), index=evpi_index, name="evpi")
    else:
        evpi_s = pd.Series([float(evpi[0])], name="evpi")
    return table, evpi_s


def _prob_best(w: np.ndarray, umax: np.ndarray) -> np.ndarray:
    """P(action has the highest utility) per (cell, action) of ``w`` (cell, action, draw).

    Tied maxima share the draw equally.
    """
    _n_cells, _n_actions, n = w.shape
    is_max = w == umax[:, None, :]
    n_max = is_max.sum(axis=1)  # (cell, draw)
    if n_max.max() == 1:  # no ties
        return is_max.sum(axis=2) / n
    return (is_max / n_max[:, None, :]).sum(axis=2) / n


def _central_interval(v: np.ndarray, prob: float) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed interval per (cell, action) of ``v`` (cell, action, draw).

    Uses numpy's default (linear) quantile definition.
    Written by hand because ``np.quantile`` with two levels is several times slower here:
    one partition at the lower order statistic, a second one only on the upper part.
    """
    n = v.shape[2]
    a = v.copy()  # partitioned in place; draws are the last, contiguous axis
    k_lo, k_hi = (n - 1) * (1 - prob) / 2, (n - 1) * (1 + prob) / 2
    i_lo, i_hi = int(np.floor(k_lo)), int(np.floor(k_hi))
    a.partition(i_lo, axis=-1)
    lo_at = a[..., i_lo]
    rest = a[..., i_lo + 1 :]
    lo_next = rest.min(axis=-1) if rest.shape[-1] else lo_at
    if i_hi > i_lo:
        rest.partition(i_hi - i_lo - 1, axis=-1)
        hi_at = rest[..., i_hi - i_lo - 1]
        hi_rest = rest[..., i_hi - i_lo :]
        hi_next = hi_rest.min(axis=-1) if hi_rest.shape[-1] else hi_at
    else:
        hi_at, hi_next = lo_at, lo_next
    lower = lo_at + (k_lo - i_lo) * (lo_next - lo_at)
    upper = hi_at + (k_hi - i_hi) * (hi_next - hi_at)
    return lower, upper


def _rank_desc(objective: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Rank actions along axis 0: 1 for the highest objective (ties: higher mean, then order)."""
    n_actions = objective.shape[0]
    idx = np.arange(n_actions).reshape((n_actions,) + (1,) * (objective.ndim - 1))
    idx = np.broadcast_to(idx, objective.shape)
    order = np.lexsort((idx, -mean, -objective), axis=0)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(idx, order.shape) + 1, axis=0)
    return rank
