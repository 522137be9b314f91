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
from decisionkit.outcomes import ACTION, DRAW, OutcomeDistribution, require_outcomes

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
        from decisionkit._format import count, number, percent

        lines = [f"Decision on {self.utility} ({self.objective}), {count(self.n_draws)} draws"]
        if not self.extra_dims:
            t = self.table.sort_values("rank")
            lines.append(f"Recommended: {self.best}  (EVPI {number(self.evpi)})")
            for _, r in t.iterrows():
                lines.append(
                    f"  {r['rank']:>2}. {r['action']:<20} E[U] {number(r['expected_utility']):>12}"
                    f" ± {number(r['mcse'], 2)}  P(best) {percent(r['prob_best'])}  "
                    f"E[loss] {number(r['expected_loss'])}"
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
    require_outcomes(outcomes, caller)
    if not isinstance(utility, Utility):
        if not callable(utility):
            raise fail(
                "utility", caller, "a Utility from decisionkit.utility or a callable", utility
            )
        utility = custom(utility)
    obj = resolve_objective(objective, caller)
    prob = None if prob is None else check_probability(prob, "prob", caller)
    parts = [_summarise(u, obj, prob) for u in _utility_chunks(outcomes, utility)]
    table, evpi, extra = _assemble(parts)
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


def _summarise(u: xr.DataArray, obj: Objective, prob: float | None) -> _Part:
    """Per-action statistics of utility draws ``u`` (draw, action, *extra)."""
    extra = [str(d) for d in u.dims[2:]]
    values = np.asarray(u.values, dtype=float)
    n, n_actions = values.shape[:2]
    # work on (cell, action, draw): the draws of one action in one extra-dim cell are
    # contiguous, so every reduction (over draws, or across actions) streams through memory
    w = values.reshape(n, n_actions, -1).transpose(2, 1, 0)
    owned = not w.flags.c_contiguous  # a private copy may be partitioned in place below
    if owned:
        w = np.ascontiguousarray(w)
    mean = w.mean(axis=2)  # (cell, action)
    sd = _sd(w, mean)
    umax = w.max(axis=1)  # (cell, draw)
    expected_max = umax.mean(axis=1)
    prob_best = _prob_best(w, umax)
    loss = expected_max[:, None] - mean  # E[max U] - E[U_a], identical to the mean regret
    if prob is None:
        lo = hi = np.full_like(mean, np.nan)
    else:
        lo, hi = _central_interval(w, prob, in_place=owned)
    mean, sd, prob_best, loss, lo, hi = (x.T for x in (mean, sd, prob_best, loss, lo, hi))
    if obj.kind == "expected":
        objective = mean
    else:
        objective = np.asarray(obj(u).transpose(ACTION, *extra).values, dtype=float)
        objective = objective.reshape(n_actions, -1)
    rank = _rank_desc(objective, mean)  # rank 1 = best objective; ties: higher mean, order
    evpi = evpi_value(expected_max, mean.max(axis=0))
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
    cells = {d: u[d].values for d in extra}
    return _Part(
        {k: v.reshape(n_actions, -1) for k, v in stats.items()}, evpi, u[ACTION].values, cells
    )


@dataclass(frozen=True)
class _Part:
    """Statistics of one chunk: arrays (action, cell), EVPI (cell,) and the labels."""

    stats: dict[str, np.ndarray]
    evpi: np.ndarray
    actions: np.ndarray
    cells: dict[str, np.ndarray]


def _assemble(parts: list[_Part]) -> tuple[pd.DataFrame, pd.Series, tuple[str, ...]]:
    """One tidy table (sorted by extra dims, then rank) and the EVPI Series from the chunks.

    The chunks split the last extra dim (a utility grid such as wtp), so their cells are
    concatenated along it.
    """
    first = parts[0]
    extra = tuple(first.cells)
    stats = {k: np.concatenate([p.stats[k] for p in parts], axis=1) for k in first.stats}
    evpi = np.concatenate([np.reshape(p.evpi, -1) for p in parts])
    if extra:
        levels = [first.cells[d] for d in extra[:-1]]
        levels.append(np.concatenate([p.cells[extra[-1]] for p in parts]))
        cell_index = pd.MultiIndex.from_product(levels, names=list(extra))
    n_actions, n_cells = stats["expected_utility"].shape
    # rows: cell-major, actions within a cell; then sort actions by rank within each cell
    columns = {k: v.T.reshape(-1) for k, v in stats.items()}
    frame = pd.DataFrame(columns)
    frame.insert(0, ACTION, np.tile(np.asarray(first.actions, dtype=object), n_cells))
    if extra:
        for j, d in enumerate(extra):
            frame.insert(j, d, np.repeat(cell_index.get_level_values(j).to_numpy(), n_actions))
    cell_of_row = np.repeat(np.arange(n_cells), n_actions)
    order = np.lexsort((frame["rank"].to_numpy(), cell_of_row))
    table = frame.iloc[order].reset_index(drop=True)
    if not extra:
        return table, pd.Series([float(evpi[0])], name="evpi"), extra
    index = cell_index.get_level_values(0) if len(extra) == 1 else cell_index
    return table, pd.Series(evpi, index=index, name="evpi"), extra


def evpi_value(expected_max: np.ndarray, best_mean: np.ndarray) -> np.ndarray:
    """EVPI ``E[max_a U] - max_a E[U]``, with floating-point round-off snapped to zero.

    Mathematically EVPI >= 0. When one action is best in every draw the two terms are the same
    number summed in different orders, so their difference is a few ulps either side of 0;
    differences within 1e-12 of the magnitude of the terms are reported as exactly 0.
    """
    value = np.asarray(expected_max - best_mean, dtype=float)
    scale = np.maximum(np.abs(expected_max), np.abs(best_mean))
    return np.where(np.abs(value) <= 1e-12 * np.maximum(scale, 1e-300), 0.0, value)


def _sd(w: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Sample sd over the last axis, centring in blocks of ~2 MB (no full-size temporary)."""
    n = w.shape[-1]
    rows = w.reshape(-1, n)
    centre = mean.reshape(-1)
    out = np.empty(rows.shape[0])
    step = max(1, 2**18 // n)
    for start in range(0, rows.shape[0], step):
        block = rows[start : start + step] - centre[start : start + step, None]
        out[start : start + step] = np.einsum("ij,ij->i", block, block)
    return np.sqrt(out / max(n - 1, 1)).reshape(mean.shape)


def _prob_best(w: np.ndarray, umax: np.ndarray) -> np.ndarray:
    """P(action has the highest utility) per (cell, action) of ``w`` (cell, action, draw).

    Tied maxima share the draw equally. Works through blocks of draws (~8 MB of booleans) so
    no draw-sized integer temporaries are allocated.
    """
    n_cells, n_actions, n = w.shape
    share = np.zeros((n_cells, n_actions))
    step = max(1, 2**23 // max(1, n_cells * n_actions))
    for start in range(0, n, step):
        stop = min(n, start + step)
        is_max = w[:, :, start:stop] == umax[:, None, start:stop]
        n_max = np.count_nonzero(is_max, axis=1)  # (cell, draws in block)
        if n_max.max() == 1:  # no ties in this block
            share += np.count_nonzero(is_max, axis=2)
        else:
            share += (is_max / n_max[:, None, :]).sum(axis=2)
    return share / n


def _central_interval(
    v: np.ndarray, prob: float, *, in_place: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed interval per (cell, action) of ``v`` (cell, action, draw).

    Uses numpy's default (linear) quantile definition.
    Written by hand because ``np.quantile`` with two levels is several times slower here:
    one partition at the lower order statistic, a second one only on the upper part.
    """
    n = v.shape[2]
    a = v if in_place else v.copy()  # partitioned in place; draws are the last axis
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
