r"""The decision kernel: the one place where utility draws are reduced over ``draw``.

Every result that reports expected utility, its sd and Monte-Carlo error, a central interval,
the probability of being best, the expected loss, :math:`E[\max]` or the EVPI calls this module
(``decide``, ``cea.analyze``, ``voi``, ``threshold``, ``capacity``, ``scale``); a test checks that
no other module computes them.

For utility draws :math:`U_{sa}` (draw :math:`s = 1..S`, action :math:`a`) and the action
:math:`a^*` with the highest expected utility:

- expected utility :math:`\bar U_a = \frac1S \sum_s U_{sa}`, sd and Monte-Carlo standard
  error (``sd / sqrt(S)`` for independent draws; the ESS-based MCSE of ArviZ when the draws come
  from MCMC chains);
- probability best :math:`P_a = \frac1S \sum_s 1[U_{sa} = \max_b U_{sb}] / \#\{b: U_{sb} =
  \max\}` (exact ties share the draw equally);
- expected loss :math:`L_a = \frac1S \sum_s (\max_b U_{sb} - U_{sa})`, the mean per-draw regret;
- EVPI :math:`= L_{a^*}`, the mean per-draw regret of the chosen action. It equals
  :math:`E[\max_a U] - \max_a \bar U_a` but is summed from non-negative terms, so it is never
  negative and does not cancel catastrophically when utilities are large (a shift of every
  utility by :math:`10^{12}` changes it only by the rounding of the shifted draws).

The work runs through :func:`xarray.apply_ufunc` with ``dask="parallelized"``: the same code
reduces numpy- and dask-backed arrays, chunked along any dim other than ``draw`` and ``action``.
Inside a block a compiled single pass (numba) visits each draw once; central intervals keep
only the values beyond a threshold per tail and select within them, never sorting or
partitioning whole columns. The threshold comes from a strided sample, or, along a grid (the
cells of a wtp dim), from the previous cell's tail draws: their largest value in this cell
certainly bounds the tail, and few other values pass it.

Where utility is linear in a grid, as net benefit :math:`\lambda E_{sa} - C_{sa}` is in
willingness to pay, :func:`net_benefit_grid` uses the structure: per draw, the best action
switches at most (actions - 1) times along the grid (the upper envelope of the lines), so P(best)
and the EVPI on the whole grid cost one envelope per draw instead of actions x grid evaluations.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NoReturn

import numpy as np
import xarray as xr

from decisionkit._validation import finite_or_raise
from decisionkit.exceptions import ValidationError

__all__ = [
    "STATS",
    "best_of_units",
    "check_finite",
    "lower_tail_mean",
    "net_benefit_grid",
    "prob_best",
    "quantile",
    "reduce_cells",
    "reduce_draws",
    "reduce_unit_tiles",
    "units_pass",
]

DRAW, ACTION = "draw", "action"
#: the per-action statistics of :func:`reduce_draws`, in the order of its ``stat`` dim
STATS = ("expected_utility", "sd", "mcse", "lower", "upper", "prob_best", "expected_loss")


# ---------------------------------------------------------------------------- checks
_OVERFLOW_HINT = (
    "Utilities must be finite: check the outcome draws, and rescale weights or willingness to "
    "pay whose products overflow float64 (about 1.8e308), e.g. express costs in thousands."
)


def check_finite(values: np.ndarray, what: str) -> None:
    """Raise a clear error when utility draws hold NaN or infinite values (e.g. overflow)."""
    finite_or_raise(values, what, _OVERFLOW_HINT)


# ---------------------------------------------------------------------------- compiled
@cache
def _compiled() -> Any:
    """The compiled loops, imported on first use (``import decisionkit`` never loads numba)."""
    from decisionkit.decision import _kernel_jit

    return _kernel_jit.reduce_block, _kernel_jit.envelope


def _units_last(values: np.ndarray, prob: float | None) -> np.ndarray | None:
    """``values`` (cell, draw, action) as its (draw, action, cell) C-contiguous base, if it is.

    Per-patient utilities (dims draw, action, unit) reach the kernel as such a transposed
    view; :func:`_kernel_jit.reduce_units` reads them in place. Intervals (``prob``) need
    per-cell selections and take the general path.
    """
    if prob is not None or values.ndim != 3 or values.dtype != np.float64:
        return None
    base = np.moveaxis(values, 0, -1)
    return base if base.flags.c_contiguous and base.shape[-1] > 1 else None


# ---------------------------------------------------------------------------- reductions
def _reduce_numpy(values: np.ndarray, *, prob: float | None, what: str) -> np.ndarray:
    """``values`` (..., draw, action) -> (..., action, stat) with the statistics of STATS."""
    reduce_block, _ = _compiled()
    units = _units_last(values, prob)
    if units is not None:
        from decisionkit.decision._kernel_jit import reduce_units

        out = np.empty((values.shape[0], values.shape[2], len(STATS) + 1))
        if not reduce_units(units, out):
            _refuse(units, what)
        return _with_evpi(out)
    lead = values.shape[:-2]
    n, k = values.shape[-2:]
    w = values.reshape((-1, n, k))
    if w.dtype != np.float64 or not (
        w.flags.c_contiguous or np.swapaxes(w, 1, 2).flags.c_contiguous
    ):
        # either layout is read in place (a wtp grid arrives draws-contiguous per action)
        w = np.ascontiguousarray(w, dtype=np.float64)
    out = np.empty((w.shape[0], k, len(STATS) + 1))
    p = 0.0 if prob is None else float(prob)
    k_lo, k_hi = (n - 1) * (1 - p) / 2, (n - 1) * (1 + p) / 2
    if not reduce_block(w, k_lo, k_hi, prob is not None, out):
        _refuse(w, what)
    return _with_evpi(out).reshape((*lead, k, len(STATS) + 1))


def units_pass() -> Any:
    """The compiled per-unit pass, for compiled producers that reduce their own tiles.

    ``units_pass()(w, out)`` reduces utilities ``w`` (draw, action, unit) into ``out``
    (unit, action, stat) and returns False if a value or a regret is not finite. A numba
    loop that produces utilities tile by tile calls it on each tile (see
    :func:`reduce_unit_tiles`); it is the pass :func:`reduce_cells` runs on per-unit
    utilities in memory, so the statistics are bit-identical.
    """
    from decisionkit.decision._kernel_jit import reduce_units

    return reduce_units


def reduce_unit_tiles(
    run: Any, args: tuple[Any, ...], n_draws: int, n_actions: int, n_units: int
) -> np.ndarray | None:
    """Per-unit statistics of utilities that a compiled loop produces tile by tile.

    For per-patient producers whose utilities are cheap to compute but costly to hold:
    ``run(args, width, out)`` (numba) writes the (draw, action, unit) utilities of ``width``
    units at a time into a cache-sized buffer and reduces each with :func:`units_pass` into
    ``out`` (unit, action, stat); it returns 0, or non-zero to refuse its inputs or a
    non-finite value. Returns ``out`` with the statistics of :data:`STATS` and the EVPI last,
    or None when refused: the caller then builds the utilities in memory, where the usual
    checks raise the usual errors.
    """
    # about 1 MiB of utilities per tile: a tile is read back from the core's cache
    width = int(np.clip(2**20 // (8 * n_draws * n_actions), 1, n_units))
    out = np.empty((n_units, n_actions, len(STATS) + 1))
    if run(args, width, out) != 0:
        return None
    return _with_evpi(out)


def best_of_units(stats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit of (unit, action, stat) statistics: the best action, all means, its P(best).

    The best action has the highest expected utility, the first on ties: ``decide``'s rank 1
    under the expected-value objective. Returns its index (unit,), the expected utilities
    (unit, action) and its probability of being best (unit,).
    """
    eu = stats[:, :, STATS.index("expected_utility")]
    best = np.argmax(eu, axis=1)
    return best, eu, stats[np.arange(len(best)), best, STATS.index("prob_best")]


def _with_evpi(out: np.ndarray) -> np.ndarray:
    """Fill the last stat of ``out`` (cell, action, stat) with the EVPI and return it.

    EVPI: the expected loss of the action with the highest mean (first on ties), repeated
    along action so that it travels in the same block as the per-action statistics.
    """
    chosen = np.argmax(out[:, :, 0], axis=1)
    out[:, :, len(STATS)] = out[np.arange(out.shape[0]), chosen, 6][:, None]
    return out


def _refuse(values: np.ndarray, what: str) -> NoReturn:
    """Raise for draws the compiled pass could not reduce: non-finite values or overflow."""
    check_finite(values, what)
    raise ValidationError(
        f"{what} overflow when their differences are taken (regret beyond float64, about "
        "1.8e308). Rescale the utility, e.g. express costs in thousands."
    )


def reduce_draws(
    u: xr.DataArray,
    *,
    prob: float | None = 0.95,
    chain: np.ndarray | None = None,
    what: str = "The utility draws",
) -> xr.Dataset:
    """Per-action statistics (STATS) over ``draw`` and the EVPI, on numpy or dask data.

    Parameters
    ----------
    u : xarray.DataArray
        Utility draws with dims ``draw``, ``action`` and any others (kept; dask chunks along
        them are reduced block by block).
    prob : float or None
        Probability of the central (equal-tailed, linear-interpolation) interval; ``None``
        leaves ``lower``/``upper`` NaN.
    chain : 1-D int array, optional
        Chain of each draw when the draws come from MCMC (equal-length chains stored one after
        the other, as ``from_posterior`` stacks them). ``mcse`` then is ArviZ's ESS-based
        Monte-Carlo standard error of the mean instead of ``sd / sqrt(n)``.
    what : str
        How errors name the draws.

    Returns
    -------
    xarray.Dataset
        One variable per name in STATS (dims ``action`` and the other dims of ``u``) and
        ``evpi`` (the other dims), the mean regret of the action with the highest expected
        utility (the first such action on exact ties).
    """
    stats = xr.apply_ufunc(
        _reduce_numpy,
        u,
        input_core_dims=[[DRAW, ACTION]],
        output_core_dims=[[ACTION, "stat"]],
        kwargs={"prob": prob, "what": what},
        dask="parallelized",
        output_dtypes=[np.float64],
        dask_gufunc_kwargs={"output_sizes": {"stat": len(STATS) + 1}},
    )
    ds = xr.Dataset({name: stats.isel(stat=i, drop=True) for i, name in enumerate(STATS)})
    if chain is not None:
        ds["mcse"] = _mcse_chains(u, np.asarray(chain))
    ds["evpi"] = stats.isel({"stat": len(STATS), ACTION: 0}, drop=True)
    return ds


def reduce_cells(
    u: xr.DataArray,
    *,
    prob: float | None = 0.95,
    chain: np.ndarray | None = None,
    what: str = "The utility draws",
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """:func:`reduce_draws` as plain arrays: each statistic (action, cell) and the EVPI (cell,).

    Cells are the other dims of ``u`` in their order, flattened (C order). Numpy-backed draws
    go straight to the compiled pass (no xarray objects per call, so a chunked grid costs
    little per chunk); dask-backed draws build one graph and compute it once.
    """
    extra = [d for d in u.dims if d not in (DRAW, ACTION)]
    k = u.sizes[ACTION]
    if _is_dask(u.data):
        import dask

        u = u.chunk({DRAW: -1, ACTION: -1})  # each block holds every draw and action
        ds = reduce_draws(u, prob=prob, chain=chain, what=what).transpose(ACTION, *extra)
        (ds,) = dask.compute(ds)
        stats = {name: np.asarray(ds[name].values, float).reshape(k, -1) for name in STATS}
        return stats, np.asarray(ds["evpi"].values, float).reshape(-1)
    values = np.asarray(u.transpose(*extra, DRAW, ACTION).data)
    out = _reduce_numpy(values, prob=prob, what=what).reshape((-1, k, len(STATS) + 1))
    stats = {name: out[:, :, i].T for i, name in enumerate(STATS)}
    if chain is not None:
        mcse = _mcse_chains(u, np.asarray(chain)).transpose(ACTION, *extra).values
        stats["mcse"] = np.asarray(mcse, float).reshape(k, -1)
    return stats, out[:, 0, len(STATS)].copy()


def _mcse_chains(u: xr.DataArray, chain: np.ndarray) -> xr.DataArray:
    """ArviZ's ESS-based MCSE of the mean over (chain, draw)."""
    from arviz_stats.base import array_stats

    labels, counts = np.unique(chain, return_counts=True)
    if counts.min() != counts.max() or not np.array_equal(
        chain, np.repeat(chain[np.sort(np.unique(chain, return_index=True)[1])], counts[0])
    ):
        raise ValidationError(
            "The draws' chain labels must form equal-length consecutive blocks (as "
            "OutcomeDistribution.from_posterior stacks chain x draw)."
        )

    def fn(values: np.ndarray) -> np.ndarray:
        split = values.reshape((*values.shape[:-1], labels.size, counts[0]))
        return np.asarray(array_stats.mcse(split, method="mean", chain_axis=-2, draw_axis=-1))

    return xr.apply_ufunc(
        fn, u, input_core_dims=[[DRAW]], dask="parallelized", output_dtypes=[float]
    )


def prob_best(u: xr.DataArray) -> xr.DataArray:
    """Probability that each action has the highest utility (ties shared), over ``draw``."""
    return reduce_draws(u, prob=None)["prob_best"]


# ---------------------------------------------------------------------------- objectives
def quantile(u: xr.DataArray, level: float) -> xr.DataArray:
    """The ``level`` quantile over ``draw`` (numpy's linear definition)."""
    return u.quantile(level, dim=DRAW).drop_vars("quantile")


def lower_tail_mean(u: xr.DataArray, alpha: float) -> xr.DataArray:
    r"""CVaR: mean of the worst ``alpha`` fraction of draws (fractional last draw weighted)."""
    n = u.sizes[DRAW]
    k = alpha * n
    whole = int(np.floor(k))
    weights = np.zeros(n)
    weights[:whole] = 1.0
    if whole < n:
        weights[whole] = k - whole
    weights /= k

    def fn(values: np.ndarray) -> np.ndarray:
        return np.tensordot(np.sort(values, axis=-1), weights, axes=([-1], [0]))

    return xr.apply_ufunc(
        fn, u, input_core_dims=[[DRAW]], dask="parallelized", output_dtypes=[float]
    )


def objective_values(u: xr.DataArray, kind: str, level: float | None) -> xr.DataArray:
    """Objective per action: ``expected`` (mean), ``cvar`` (lower-tail mean) or ``quantile``."""
    if kind == "expected":
        return u.mean(DRAW)
    if kind == "quantile":
        return quantile(u, float(level))  # type: ignore[arg-type]
    return lower_tail_mean(u, float(level))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- linear grids
def net_benefit_grid(
    cost: np.ndarray, effect: np.ndarray, wtp: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""P(best), EVPI and :math:`E[\max_a NB]` of :math:`NB_{sa} = \lambda E_{sa} - C_{sa}`.

    Parameters
    ----------
    cost, effect : numpy.ndarray
        Draws ``(n_draws, n_actions)``.
    wtp : numpy.ndarray
        Strictly increasing grid ``(n_wtp,)``.

    Returns
    -------
    prob_best : (n_wtp, n_actions), ties shared as in :func:`reduce_draws`
    evpi : (n_wtp,), mean per-draw regret of the action with the highest expected NB
    expected_max : (n_wtp,), :math:`E[\max_a NB]` (expected NB of that action plus the EVPI)

    Notes
    -----
    Per draw the lines :math:`\lambda E_a - C_a` are sorted by slope and their upper envelope
    built (the convex hull trick), so each draw costs :math:`O(A \log A)` plus one pass over
    the grid for its regret. Grid points next to a switch of the best action are evaluated
    exactly (all actions), so exact ties there are shared as in :func:`reduce_draws`.
    """
    g = np.ascontiguousarray(wtp, dtype=np.float64)
    n = cost.shape[0]
    if _is_dask(cost) or _is_dask(effect):
        import dask
        import dask.array as da

        c_d = da.asarray(cost).rechunk({1: -1})
        e_d = da.asarray(effect).rechunk({0: c_d.chunks[0], 1: -1})
        mean_c, mean_e = dask.compute(c_d.mean(axis=0), e_d.mean(axis=0))
        enb, chosen = _chosen(g, mean_c, mean_e)
        parts = [
            dask.delayed(_envelope_sums)(cb, eb, g, chosen)
            for cb, eb in zip(c_d.to_delayed().ravel(), e_d.to_delayed().ravel(), strict=True)
        ]
        sums = dask.compute(*parts)
        share = sum(p[0] for p in sums)
        regret = sum(p[1] for p in sums)
    else:
        c = np.asarray(cost, dtype=np.float64)
        e = np.asarray(effect, dtype=np.float64)
        check_finite(c, "The cost draws")
        check_finite(e, "The effect draws")
        enb, chosen = _chosen(g, c.mean(axis=0), e.mean(axis=0))
        share, regret = _envelope_sums(c, e, g, chosen, checked=True)
    prob = np.cumsum(share[:-1], axis=0) / n
    evpi = regret / n
    if not np.isfinite(evpi).all():
        raise ValidationError(
            "Net benefit overflows float64 at this willingness to pay. Rescale costs or effects."
        )
    expected_max = enb[np.arange(g.size), chosen] + evpi
    return prob, evpi, expected_max


def _is_dask(x: Any) -> bool:
    return type(x).__module__.startswith("dask")


def _chosen(g: np.ndarray, mean_c: np.ndarray, mean_e: np.ndarray) -> tuple[np.ndarray, ...]:
    """Expected net benefit (wtp, action) and the chosen action per wtp (ties: first)."""
    with np.errstate(over="ignore", invalid="ignore"):  # refused just below
        enb = g[:, None] * mean_e[None, :] - mean_c[None, :]
    check_finite(enb, "The expected net benefits")
    return enb, np.argmax(enb, axis=1).astype(np.int64)


def _envelope_sums(
    cost: np.ndarray, effect: np.ndarray, g: np.ndarray, chosen: np.ndarray, checked: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Sums over the draws of a block: P(best) differences (wtp + 1, action), regret (wtp,)."""
    _, envelope = _compiled()
    c = np.ascontiguousarray(cost, dtype=np.float64)
    e = np.ascontiguousarray(effect, dtype=np.float64)
    if not checked:
        check_finite(c, "The cost draws")
        check_finite(e, "The effect draws")
    share = np.zeros((g.size + 1, c.shape[1]))
    regret = np.zeros(g.size)
    envelope(e, c, g, chosen, share, regret)
    return share, regret


# ---------------------------------------------------------------------------- plain arrays
def draw_terms(values: np.ndarray, axis: int = 1) -> tuple[np.ndarray, ...]:
    r"""Per-draw terms whose means are :math:`E[\max]`, P(best) and the expected loss.

    For callers that sum over draws themselves (the exact, mergeable sums of ``scale``).

    Parameters
    ----------
    values : numpy.ndarray
        Finite utility draws with actions along ``axis``.

    Returns
    -------
    top : the maximum over actions (``axis`` removed)
    ties : number of actions attaining it (``axis`` removed); an action's share of the draw
        is ``is_best / ties``
    is_best : boolean, same shape as ``values``
    regret : ``top - values`` (same shape as ``values``), non-negative
    """
    top = values.max(axis=axis)
    top_k = np.expand_dims(top, axis)
    is_best = values == top_k
    ties = is_best.sum(axis=axis)
    with np.errstate(over="ignore", invalid="ignore"):  # callers check the regret is finite
        regret = top_k - values
    return top, ties, is_best, regret


def mean_regret(values: np.ndarray, *, action_axis: int, draw_axis: int = 0) -> np.ndarray:
    """EVPI of plain utility draws: the mean regret of the action with the highest mean.

    Equals ``mean(max_a U) - max_a mean(U)`` (both over ``draw_axis``) but is a mean of
    non-negative terms. Other axes are kept (in their order, action and draw removed).
    """
    v = np.moveaxis(values, (draw_axis, action_axis), (0, 1))
    chosen = v.mean(axis=0).argmax(axis=0)
    top = v.max(axis=1)
    picked = np.take_along_axis(v, chosen[None, None], axis=1)[:, 0]
    return (top - picked).mean(axis=0)


def prob_best_array(values: np.ndarray, *, action_axis: int, draw_axis: int = 0) -> np.ndarray:
    """P(best) over ``draw_axis`` with ties shared; NaN counts as worst.

    A draw in which every action is NaN is left out; if all draws are, the result is NaN
    (used for bootstrap replicates of decision curves, where net benefit can be undefined).
    """
    v = np.moveaxis(values, (draw_axis, action_axis), (0, 1))
    filled = np.where(np.isnan(v), -np.inf, v)
    is_best = (filled == filled.max(axis=1, keepdims=True)) & np.isfinite(filled)
    count = is_best.sum(axis=1, keepdims=True)
    share = np.where(count > 0, is_best / np.maximum(count, 1), np.nan)
    return share.mean(axis=0)
