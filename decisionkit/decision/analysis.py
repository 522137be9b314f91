"""decide(): from utility draws to a recommendation, its uncertainty and the EVPI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._options import chunk_values
from decisionkit._validation import Interval, caller_name, fail, validate_params
from decisionkit.decision._kernel import objective_values, reduce_cells
from decisionkit.decision.utility import Objective, Utility, custom, resolve_objective
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import ACTION, DRAW, OutcomeDistribution, require_outcomes

__all__ = ["Decision", "decide"]


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
        (Monte-Carlo standard error of the expected utility: ``sd / sqrt(n_draws)`` for
        independent draws, ArviZ's ESS-based MCSE when the outcomes carry a ``chain``
        coordinate along ``draw``), ``lower``/``upper`` (central interval), ``objective``,
        ``prob_best`` (probability of having the highest utility; ties are shared equally),
        ``expected_loss`` (mean regret against the best action in each draw) and ``rank``
        (1 = best by the objective).
    evpi : float or pandas.Series
        Expected value of perfect information in utility units: the mean per-draw regret of
        the action with the highest expected utility, which equals ``E[max_a U] - max_a E[U]``
        and is never negative.
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
            assert isinstance(best, pd.Series)  # extra dims: one action per cell
            counts = best.value_counts()
            lines.append(f"Best action across {len(best)} values of {list(self.extra_dims)}:")
            for action, n in counts.items():
                lines.append(f"  {action}: best for {n}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<Decision>\n" + self.summary()


@validate_params({"prob": [Interval(0.0, 1.0, closed="neither"), None]})
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
    - EVPI :math:`= L_{a^*}`, the expected loss (mean per-draw regret) of the action
      :math:`a^*` with the highest expected utility; it equals
      :math:`\frac1S \sum_s \max_a U_{sa} - \max_a \bar U_a` but is a mean of non-negative
      terms, so it is never negative and keeps its precision when utilities are large.

    The reductions are those of the decision kernel (:mod:`decisionkit.decision._kernel`); a
    utility grid is evaluated in chunks sized by ``dk.set_options(working_memory=...)``.

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
    require_outcomes(outcomes, caller_name())
    if not isinstance(utility, Utility):
        if not callable(utility):
            raise fail("utility", "a Utility from decisionkit.utility or a callable", utility)
        utility = custom(utility)
    obj = resolve_objective(objective)
    prob = None if prob is None else float(prob)
    chain = outcomes.data.coords["chain"].values if "chain" in outcomes.data.coords else None
    table, evpi, extra = _assemble(_parts(outcomes, utility, obj, prob, chain))
    return Decision(table, extra, obj.name, utility.name, outcomes.n_draws, prob, evpi)


def _parts(
    outcomes: OutcomeDistribution,
    utility: Utility,
    obj: Objective,
    prob: float | None,
    chain: np.ndarray | None,
) -> list[_Part]:
    """The statistics of every cell, in parts split along the utility's grid (if any)."""
    if outcomes.is_lazy and utility.grid is not None:
        return [_lazy_grid(outcomes, utility, obj, prob, chain)]
    return [_summarise(u, obj, prob, chain) for u in _utility_chunks(outcomes, utility)]


def _utility_chunks(outcomes: OutcomeDistribution, utility: Utility):
    """Yield utility draws, chunked along the utility's grid dim when it has one."""
    if utility.grid is None or outcomes.is_lazy:
        # lazy outcomes: one graph (the utility keeps it lazy), computed once
        yield _checked(utility(outcomes), outcomes, utility)
        return
    per_value = outcomes.n_draws * outcomes.n_actions
    for d in outcomes.extra_dims:
        per_value *= outcomes.data.sizes[d]
    step = chunk_values(per_value)
    for start in range(0, utility.grid.size, step):
        chunk = utility.grid[start : start + step]
        yield _checked(utility.evaluate(outcomes, chunk), outcomes, utility)


def _lazy_grid(
    outcomes: OutcomeDistribution,
    utility: Utility,
    obj: Objective,
    prob: float | None,
    chain: np.ndarray | None,
) -> _Part:
    """A utility grid (wtp) on dask-backed outcomes: the in-memory path, block by block.

    The graph computes each block of the metrics (every draw and action, one chunk of the
    extra dims), and one task per block and chunk of the grid evaluates the utility on it in
    memory and reduces it with the kernel, exactly as :func:`decide` does on in-memory draws
    (same layout, same per-cell sums, so the same numbers). Only the statistics leave a task,
    never the (draw, action, grid) utility values; blocks of the grid are sized by
    ``working_memory`` as in memory. The grid utilities (net benefit) are elementwise in the
    extra dims, so a block of them is evaluated on its own.
    """
    import dask

    metrics = list(utility.metrics) or outcomes.metrics
    data = outcomes.data[metrics].chunk({DRAW: -1, ACTION: -1}).unify_chunks()
    extra = outcomes.extra_dims
    grid = np.asarray(utility.grid)
    sizes = [data.sizes[d] for d in extra]
    splits = [data.chunksizes[d] for d in extra]
    blocks = {m: data[m].data.to_delayed().reshape(-1) for m in metrics}
    tasks, where = [], []
    for b, shape in enumerate(np.ndindex(*[len(s) for s in splits])):
        lo = [int(np.sum(s[:i])) for s, i in zip(splits, shape, strict=True)]
        span = [slice(a, a + s[i]) for a, s, i in zip(lo, splits, shape, strict=True)]
        coords = {d: data[d].values[sl] for d, sl in zip(extra, span, strict=True)}
        coords.update({DRAW: data[DRAW].values, ACTION: data[ACTION].values})
        block = dask.delayed(_block_outcomes)(
            [blocks[m][b] for m in metrics], metrics, data[metrics[0]].dims, coords
        )
        per_value = outcomes.n_draws * outcomes.n_actions
        for sl in span:
            per_value *= sl.stop - sl.start
        step = chunk_values(per_value)
        for start in range(0, grid.size, step):
            stop = min(start + step, grid.size)
            tasks.append(
                dask.delayed(_grid_block)(block, utility, grid[start:stop], obj, prob, chain)
            )
            where.append((*span, slice(start, stop)))
    results = dask.compute(*tasks)
    k = outcomes.n_actions
    full = {
        name: np.empty((k, *sizes, grid.size), dtype=value.dtype)
        for name, value in results[0][0].items()
    }
    evpi = np.empty((*sizes, grid.size))
    for (stats, block_evpi), cell in zip(results, where, strict=True):
        shape = tuple(sl.stop - sl.start for sl in cell)
        for name, value in stats.items():
            full[name][(slice(None), *cell)] = value.reshape((k, *shape))
        evpi[cell] = block_evpi.reshape(shape)
    cells = {d: data[d].values for d in extra}
    cells[str(utility.grid_dim)] = grid
    return _Part(
        {name: v.reshape(k, -1) for name, v in full.items()},
        evpi.reshape(-1),
        data[ACTION].values,
        cells,
    )


def _block_outcomes(
    arrays: list[np.ndarray], metrics: list[str], dims: tuple, coords: dict
) -> OutcomeDistribution:
    """One block of dask-backed outcomes, in memory (a task of :func:`_lazy_grid`)."""
    ds = xr.Dataset({m: (dims, a) for m, a in zip(metrics, arrays, strict=True)}, coords=coords)
    return OutcomeDistribution(ds)


def _grid_block(
    block: OutcomeDistribution,
    utility: Utility,
    values: np.ndarray,
    obj: Objective,
    prob: float | None,
    chain: np.ndarray | None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Statistics of one block on grid ``values`` (a task of :func:`_lazy_grid`)."""
    part = _summarise(_checked(utility.evaluate(block, values), block, utility), obj, prob, chain)
    return part.stats, part.evpi


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
    u: xr.DataArray, obj: Objective, prob: float | None, chain: np.ndarray | None
) -> _Part:
    """Per-action statistics of utility draws ``u`` (draw, action, *extra), by the kernel."""
    extra = [str(d) for d in u.dims[2:]]
    n_actions = u.sizes[ACTION]
    stats, evpi = reduce_cells(
        u, prob=prob, chain=chain, what=f"The utility draws ({u.name or 'utility'})"
    )
    if obj.kind == "expected":
        objective = stats["expected_utility"]
    else:
        objective = np.asarray(
            objective_values(u, obj.kind, obj.level).transpose(ACTION, *extra).values, dtype=float
        ).reshape(n_actions, -1)
    stats["objective"] = objective
    # rank 1 = best objective; ties: higher mean, then input order
    stats["rank"] = _rank_desc(objective, stats["expected_utility"])
    stats = {k: stats[k] for k in _ORDER}
    cells = {d: u[d].values for d in extra}
    return _Part(stats, evpi, u[ACTION].values, cells)


_COLUMNS = ("expected_utility", "sd", "mcse", "lower", "upper", "prob_best", "expected_loss")
_ORDER = (*_COLUMNS[:5], "objective", *_COLUMNS[5:], "rank")


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
    # cells are flattened C order with the grid dim last: join the chunks along that dim,
    # keeping the other dims' cells in front (a plain concatenation would interleave them)
    lead = int(np.prod([first.cells[d].size for d in extra[:-1]])) if extra else 1

    def join(arrays: list[np.ndarray]) -> np.ndarray:
        blocks = [a.reshape((*a.shape[:-1], lead, -1)) for a in arrays]
        joined = np.concatenate(blocks, axis=-1)
        return joined.reshape((*joined.shape[:-2], -1))

    stats = {k: join([p.stats[k] for p in parts]) for k in first.stats}
    evpi = join([np.reshape(p.evpi, -1) for p in parts])
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


def _rank_desc(objective: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Rank actions along axis 0: 1 for the highest objective (ties: higher mean, then order)."""
    n_actions = objective.shape[0]
    idx = np.arange(n_actions).reshape((n_actions,) + (1,) * (objective.ndim - 1))
    idx = np.broadcast_to(idx, objective.shape)
    order = np.lexsort((idx, -mean, -objective), axis=0)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(idx, order.shape) + 1, axis=0)
    return rank
