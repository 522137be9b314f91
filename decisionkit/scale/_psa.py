r"""Distributed probabilistic sensitivity analysis with an exact reduction.

A cost-effectiveness PSA summary is a set of sums over draws :math:`s = 1..S` of net
monetary benefit :math:`NB_{saw} = \lambda_w E_{sa} - C_{sa}`:

- expected net benefit :math:`\bar{NB}_{aw} = \frac1S \sum_s NB_{saw}`;
- its standard deviation from :math:`\sum_s NB_{saw}^2`;
- the CEAC :math:`P_{aw} = \frac1S \sum_s 1[NB_{saw} = \max_b NB_{sbw}] / T_{sw}` (ties
  among :math:`T_{sw}` actions shared, as in :func:`decisionkit.decide`);
- EVPI :math:`= \frac1S \sum_s \max_a NB_{saw} - \max_a \bar{NB}_{aw}`.

Each partition of draws returns these sums exactly (integers, see
:mod:`decisionkit.scale._exact`), the sums are added exactly and rounded once, so the result
is bit-identical however the draws are partitioned, and equals :func:`psa_summary` of the
same draws in one process.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._options import chunk_values
from decisionkit._validation import (
    Interval,
    caller_name,
    check_number,
    check_random_state,
    check_wtp,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.decision._kernel import _OVERFLOW_HINT, draw_terms
from decisionkit.exceptions import ModelError, ValidationError
from decisionkit.outcomes import OutcomeDistribution
from decisionkit.scale._exact import SCALE_BITS, exact_column_sums, to_float

__all__ = ["PSAResult", "PSASums", "psa_summary", "run_psa_distributed"]


@dataclass(frozen=True, repr=False)
class PSASums:
    """Exact sufficient statistics of a PSA over a set of draws (mergeable with ``+``).

    Sums are Python integers ``S`` standing for ``S * 2**-1127``; ``best_share`` counts draws
    in which an action is best, scaled by ``lcm(1..n_actions)`` so shared ties stay integers.
    """

    actions: tuple[str, ...]
    wtp: tuple[float, ...]
    n_draws: int
    nb_sum: tuple[int, ...] = field(repr=False)  # (action, wtp) flattened, C order
    nb_sq_sum: tuple[int, ...] = field(repr=False)
    max_sum: tuple[int, ...] = field(repr=False)  # (wtp,)
    best_share: tuple[int, ...] = field(repr=False)  # (action, wtp)
    regret_sum: tuple[int, ...] = field(repr=False, default=())  # (action, wtp)

    def __add__(self, other: PSASums) -> PSASums:
        if not isinstance(other, PSASums):
            return NotImplemented
        if other.actions != self.actions or other.wtp != self.wtp:
            raise ValidationError(
                "PSA sums can only be combined over the same actions and wtp grid; got "
                f"{self.actions} / {other.actions} and {len(self.wtp)} / {len(other.wtp)} wtp."
            )

        def add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
            return tuple(x + y for x, y in zip(a, b, strict=True))

        return PSASums(
            self.actions,
            self.wtp,
            self.n_draws + other.n_draws,
            add(self.nb_sum, other.nb_sum),
            add(self.nb_sq_sum, other.nb_sq_sum),
            add(self.max_sum, other.max_sum),
            add(self.best_share, other.best_share),
            add(self.regret_sum, other.regret_sum),
        )

    def result(self) -> PSAResult:
        """Round the exact sums once into a :class:`PSAResult`."""
        n, n_a, n_w = self.n_draws, len(self.actions), len(self.wtp)
        if n < 2:
            raise ValidationError(f"A PSA summary needs at least 2 draws; got {n}.")
        mean = np.array([to_float(s, n) for s in self.nb_sum]).reshape(n_a, n_w)
        sd = np.empty(n_a * n_w)
        scale = 1 << SCALE_BITS
        for k, (s, sq) in enumerate(zip(self.nb_sum, self.nb_sq_sum, strict=True)):
            # var = (sum x^2 - (sum x)^2 / n) / (n - 1); sum x^2 carries scale 2**-1127 too
            var = (Fraction(sq, scale) - Fraction(s * s, scale * scale * n)) / (n - 1)
            sd[k] = math.sqrt(max(float(var), 0.0))
        lcm = math.lcm(*range(1, n_a + 1))
        share = np.array([float(Fraction(c, lcm * n)) for c in self.best_share])
        prob_best = share.reshape(n_a, n_w).T.copy()  # (wtp, action), as CEAResult.prob_best

        # the chosen action per wtp: highest exact expected NB (integers compared; ties: first)
        def rank(a: int, w: int) -> tuple[int, int]:
            return (self.nb_sum[a * n_w + w], -a)

        chosen = [max(range(n_a), key=partial(rank, w=w)) for w in range(n_w)]
        e_max = np.array([to_float(s, n) for s in self.max_sum])
        # EVPI: the exact mean per-draw regret of the chosen action (never negative)
        evpi = np.array([to_float(self.regret_sum[a * n_w + w], n) for w, a in enumerate(chosen)])
        return PSAResult(
            actions=self.actions,
            wtp=np.array(self.wtp),
            n_draws=n,
            expected_nb=mean,
            sd_nb=sd.reshape(n_a, n_w),
            prob_best=prob_best,
            expected_max_nb=e_max,
            evpi_nb=evpi,
            sums=self,
        )


@dataclass(frozen=True, repr=False, eq=False)
class PSAResult:
    r"""Summaries of a PSA over a willingness-to-pay grid (from :func:`run_psa_distributed`).

    Attributes
    ----------
    actions : tuple of str
    wtp : numpy.ndarray, shape (n_wtp,)
    n_draws : int
    expected_nb, sd_nb : numpy.ndarray, shape (n_actions, n_wtp)
        Expected net monetary benefit and its standard deviation over draws.
    prob_best : numpy.ndarray, shape (n_wtp, n_actions)
        Probability that each action has the highest net benefit (the CEAC, ties shared), in
        the dim order of ``CEAResult.prob_best``.
    expected_max_nb : numpy.ndarray, shape (n_wtp,)
        :math:`E[\max_a NB]`.
    evpi_nb : numpy.ndarray, shape (n_wtp,)
        Expected value of perfect information (the exact mean regret of the chosen action);
        :attr:`evpi` returns it as a Series indexed by wtp.
    sums : PSASums
        The exact sums, to merge with results on further draws:
        ``(r1.sums + r2.sums).result()``.
    """

    actions: tuple[str, ...]
    wtp: np.ndarray
    n_draws: int
    expected_nb: np.ndarray
    sd_nb: np.ndarray
    prob_best: np.ndarray
    expected_max_nb: np.ndarray
    evpi_nb: np.ndarray
    sums: PSASums = field(repr=False)

    @property
    def evpi(self) -> pd.Series:
        """EVPI per decision, a Series indexed by ``wtp`` (as every result returns it)."""
        return pd.Series(self.evpi_nb, index=pd.Index(self.wtp, name="wtp"), name="evpi")

    @property
    def best(self) -> pd.Series:
        """The action with the highest expected net benefit at each wtp (ties: first)."""
        idx = np.argmax(self.expected_nb, axis=0)
        return pd.Series(np.array(self.actions)[idx], index=pd.Index(self.wtp, name="wtp"))

    def to_frame(self) -> pd.DataFrame:
        """Tidy long frame: one row per (wtp, action) with the summaries and EVPI."""
        n_a, n_w = self.expected_nb.shape
        return pd.DataFrame(
            {
                "wtp": np.tile(self.wtp, n_a),
                "action": np.repeat(np.array(self.actions, dtype=object), n_w),
                "expected_net_benefit": self.expected_nb.ravel(),
                "sd": self.sd_nb.ravel(),
                "prob_best": self.prob_best.T.ravel(),
                "evpi": np.tile(self.evpi_nb, n_a),
            }
        ).sort_values(["wtp", "action"], kind="stable", ignore_index=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PSAResult):
            return NotImplemented
        return self.sums == other.sums

    def summary(self) -> str:
        """A short readable report."""
        lines = [
            f"PSA of {len(self.actions)} strategies over {self.n_draws} draws and "
            f"{self.wtp.size} wtp value(s)"
        ]
        for w, (lam, best) in enumerate(self.best.items()):
            a = self.actions.index(best)
            lines.append(
                f"  wtp {lam:>10.4g}: best {best:<20} E[NB] {self.expected_nb[a, w]:.6g}  "
                f"P(best) {self.prob_best[w, a]:.3f}  EVPI {self.evpi_nb[w]:.4g}"
            )
            if w == 9 and self.wtp.size > 11:
                lines.append(f"  ... ({self.wtp.size - 10} more)")
                break
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<PSAResult>\n" + self.summary()


# ---------------------------------------------------------------------- partition work
def _sums_from_arrays(
    effect: np.ndarray, cost: np.ndarray, wtp: np.ndarray, actions: tuple[str, ...]
) -> PSASums:
    """Exact sums for effect/cost draws of shape (n_draws, n_actions)."""
    n, n_a = effect.shape
    n_w = wtp.size
    lcm = math.lcm(*range(1, n_a + 1))
    nb_sum = [0] * (n_a * n_w)
    sq_sum = [0] * (n_a * n_w)
    max_sum = [0] * n_w
    regret_sum = [0] * (n_a * n_w)
    share = np.zeros((n_a, n_w), dtype=np.int64)
    step = chunk_values(4 * n_a * n_w)
    for start in range(0, n, step):
        e = effect[start : start + step, :, None]
        c = cost[start : start + step, :, None]
        with np.errstate(over="ignore", invalid="ignore"):  # refused just below
            nb = wtp * e - c  # same IEEE operations as dk.utility.net_monetary_benefit
        finite_or_raise(nb, "The net benefit of the PSA draws", _OVERFLOW_HINT)
        flat = nb.reshape(nb.shape[0], n_a * n_w)
        nb_sum = [x + y for x, y in zip(nb_sum, exact_column_sums(flat), strict=True)]
        sq = exact_column_sums(flat * flat)
        sq_sum = [x + y for x, y in zip(sq_sum, sq, strict=True)]
        top, ties, is_max, regret = draw_terms(nb, axis=1)  # the kernel's per-draw terms
        finite_or_raise(regret, "The net benefit differences of the PSA draws", _OVERFLOW_HINT)
        max_sum = [x + y for x, y in zip(max_sum, exact_column_sums(top), strict=True)]
        rs = exact_column_sums(regret.reshape(nb.shape[0], n_a * n_w))
        regret_sum = [x + y for x, y in zip(regret_sum, rs, strict=True)]
        share += np.where(is_max, lcm // ties[:, None, :], 0).sum(axis=0)
    return PSASums(
        actions,
        tuple(float(w) for w in wtp),
        n,
        tuple(nb_sum),
        tuple(sq_sum),
        tuple(max_sum),
        tuple(int(v) for v in share.ravel()),
        tuple(regret_sum),
    )


def _outcome_sums(
    out: Any, wtp: np.ndarray, effect: str, cost: str, expected_draws: int | None, where: str
) -> PSASums:
    if not isinstance(out, OutcomeDistribution):
        raise ValidationError(
            f"model_fn must return an OutcomeDistribution; {where} it returned "
            f"{type(out).__name__}."
        )
    if out.extra_dims:
        raise ValidationError(
            f"model_fn returned outcomes with extra dims {out.extra_dims} {where}; the PSA "
            "summary needs dims ('draw', 'action') only."
        )
    if expected_draws is not None and out.n_draws != expected_draws:
        raise ValidationError(
            f"model_fn returned {out.n_draws} draws for {expected_draws} parameter rows "
            f"{where}; it must return one draw per row."
        )
    e = np.asarray(out.metric(effect).transpose("draw", "action").values, dtype=np.float64)
    c = np.asarray(out.metric(cost).transpose("draw", "action").values, dtype=np.float64)
    finite_or_raise(e, f"The '{effect}' draws {where}")
    finite_or_raise(c, f"The '{cost}' draws {where}")
    return _sums_from_arrays(e, c, wtp, tuple(out.actions))


def _run_partition(
    model_fn: Callable[[pd.DataFrame], OutcomeDistribution],
    params: pd.DataFrame | None,
    sampler: Callable[[int, np.random.Generator], pd.DataFrame] | None,
    size: int,
    rng: np.random.Generator | None,
    wtp: np.ndarray,
    effect: str,
    cost: str,
    number: int,
) -> PSASums:
    where = f"in partition {number}"
    if params is None:
        # the caller passes a sampler and a generator whenever it passes no parameters
        assert sampler is not None and rng is not None
        params = sampler(size, rng)
        if not isinstance(params, pd.DataFrame) or len(params) != size:
            raise ValidationError(
                f"The sampler must return a DataFrame with {size} rows {where}; got "
                f"{type(params).__name__} of length {getattr(params, 'shape', ['?'])[0]}."
            )
    try:
        out = model_fn(params)
    except Exception as exc:  # the user's model failed: say where, keep the cause chained
        raise ModelError(
            f"The model function raised {type(exc).__name__} {where} ({len(params)} draws, "
            f"rows {params.index[0]} to {params.index[-1]} of the parameters): {exc}"
        ) from exc
    return _outcome_sums(out, wtp, effect, cost, len(params), where)


def _total(parts: Sequence[PSASums]) -> PSASums:
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


# ---------------------------------------------------------------------- public
@validate_params()
def psa_summary(
    outcomes: OutcomeDistribution, *, wtp: Any, effect: str = "qaly", cost: str = "cost"
) -> PSAResult:
    """Exact PSA summaries of outcome draws in one process (the reference for distributed runs).

    Parameters
    ----------
    outcomes : OutcomeDistribution
        Dims ``draw`` and ``action``, with the ``effect`` and ``cost`` metrics.
    wtp : float or 1-D array
        Willingness to pay per unit of effect (non-negative, increasing).
    effect, cost : str
        Metric names.

    Returns
    -------
    PSAResult
    """
    scalar, grid = check_wtp(wtp, positive=False)
    grid = np.array([scalar]) if grid is None else grid
    return _outcome_sums(outcomes, grid, effect, cost, None, "in the outcomes").result()


@validate_params(
    {
        "n_partitions": Interval(1, None, integer=True),
        "random_seed": "random_state",
        "progress": "boolean",
    }
)
def run_psa_distributed(
    model_fn: Callable[[pd.DataFrame], OutcomeDistribution],
    params: pd.DataFrame | Callable[[int, np.random.Generator], pd.DataFrame],
    *,
    wtp: Any,
    n_partitions: int,
    client: Any = None,
    n_draws: int | None = None,
    random_seed: int | np.random.Generator | None = None,
    effect: str = "qaly",
    cost: str = "cost",
    progress: bool = False,
) -> PSAResult:
    r"""Run a cohort model's PSA in partitions of draws on Dask and combine exactly.

    Parameters
    ----------
    model_fn : callable
        ``model_fn(params_df) -> OutcomeDistribution`` with one draw per row of
        ``params_df`` (any cohort model). Each draw must be computed independently of the
        other rows (vectorised elementwise), so that partitioning cannot change its numbers.
        Must be picklable (a module-level function) when a distributed client is used.
    params : pandas.DataFrame or callable
        PSA parameter draws, one row per draw, split into ``n_partitions`` contiguous
        slices; or a sampler ``sampler(n, rng) -> DataFrame`` of ``n`` rows, called in each
        partition with its own generator spawned from ``random_seed`` (so the draws depend
        on ``n_partitions``, and are reproducible for a given seed and ``n_partitions``).
    wtp : float or 1-D array
        Willingness-to-pay grid.
    n_partitions : int
        Number of tasks.
    client : distributed.Client, optional
        Run on this cluster; default: the active client, else dask's local threaded scheduler.
    n_draws : int, optional
        Total draws (required with a sampler).
    random_seed : int or numpy.random.Generator, optional
        Seed of the per-partition generators (sampler only).
    effect, cost : str
        Metric names in the model's outcomes.
    progress : bool
        Show :class:`dask.diagnostics.ProgressBar` (local) or ``distributed.progress``.

    Returns
    -------
    PSAResult
        Bit-identical to :func:`psa_summary` on the concatenated draws; it agrees with
        ``dk.decide(out, dk.utility.net_monetary_benefit(effect=..., cost=..., wtp=...))``
        to rounding (decide uses numpy's pairwise mean).

    References
    ----------
    Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic Evaluation.
    Oxford University Press, 2006 (ch. 4 and 7: PSA, CEAC and EVPI).

    Examples
    --------
    >>> res = run_psa_distributed(my_markov, params_df, wtp=[20_000, 30_000],
    ...                           n_partitions=8)                      # doctest: +SKIP
    >>> res.to_frame()                                                 # doctest: +SKIP
    """
    from decisionkit.scale._dask import active_client, progress_context

    dask = _require_dask_delayed(caller_name())
    if not callable(model_fn):
        raise fail("model_fn", "a callable model_fn(params_df) -> OutcomeDistribution", model_fn)
    n_partitions = check_number(n_partitions, "n_partitions", low=1, integer=True)
    scalar, grid = check_wtp(wtp, positive=False)
    grid = np.array([scalar]) if grid is None else grid
    client = client if client is not None else active_client()

    if isinstance(params, pd.DataFrame):
        if n_draws is not None and n_draws != len(params):
            raise fail("n_draws", f"None or len(params) = {len(params)}", n_draws)
        if len(params) < n_partitions:
            raise fail("n_partitions", f"at most the number of draws ({len(params)})", n_partitions)
        bounds = np.linspace(0, len(params), n_partitions + 1).round().astype(int)
        # the slices travel inside the task graph rather than being scattered: scattered data
        # lives on one worker and is lost with it (FutureCancelledError), while the scheduler
        # can re-run a graph task elsewhere when a worker dies
        slices: list[Any] = [params.iloc[a:b] for a, b in itertools.pairwise(bounds)]
        tasks = [
            dask.delayed(_run_partition)(model_fn, s, None, int(b - a), None, grid, effect, cost, k)
            for k, (s, a, b) in enumerate(zip(slices, bounds[:-1], bounds[1:], strict=True))
        ]
    elif callable(params):
        if n_draws is None:
            raise fail("n_draws", "the total number of draws when params is a sampler", None)
        n_draws = check_number(n_draws, "n_draws", low=n_partitions, integer=True)
        rngs = check_random_state(random_seed).spawn(n_partitions)
        sizes = np.diff(np.linspace(0, n_draws, n_partitions + 1).round().astype(int))
        tasks = [
            dask.delayed(_run_partition)(
                model_fn, None, params, int(size), rng, grid, effect, cost, k
            )
            for k, (size, rng) in enumerate(zip(sizes, rngs, strict=True))
        ]
    else:
        raise fail(
            "params",
            "a DataFrame of parameter draws or a sampler(n, rng)",
            type(params).__name__,
        )
    total = dask.delayed(_total)(tasks)
    with progress_context(progress, client) as show:
        if client is not None:
            future = client.compute(total)
            show(future)
            sums = future.result()
        else:
            (sums,) = dask.compute(total)
    return sums.result()


def _require_dask_delayed(feature: str) -> Any:
    from decisionkit._validation import require

    return require("dask", feature, "dask")
