r"""Markov cohort (state-transition) models, vectorised over PSA draws.

A cohort starts in ``initial`` and moves between named states once per cycle with
per-strategy transition matrices, which may depend on the parameter draws and on the cycle
(time-varying). All draws advance together: each cycle is one batched matrix product
``m_{t+1} = m_t P_t`` over ``(n_draws, n_states) x (n_draws, n_states, n_states)``; the only
Python loops are over strategies and cycles, never over draws.

Rewards
-------
The trace has ``n_cycles + 1`` points, ``t = 0..n_cycles`` (time ``t * cycle_length``).
State costs and utilities are **annual** rates: the reward at trace point ``t`` is
``w_t * d(t) * cycle_length * sum_s m_t[s] * r_t[s]`` with discount factor
:math:`d(t) = (1 + r)^{-t \cdot \text{cycle_length}}` and within-cycle weights ``w_t``:

===============  =====================================================================
``half-cycle``   trapezoidal rule ``1/2, 1, ..., 1, 1/2`` (life-table method)
``simpson``      Simpson's 1/3 rule ``(1, 4, 2, 4, ..., 4, 1)/3`` (Elbasha & Chhatwal
                 2016); for an odd number of cycles the last three use Simpson's 3/8 rule
``none``         no correction, cohort counted at the start of each cycle:
                 ``1, ..., 1, 0``
``end``          no correction, cohort counted at the end of each cycle: ``0, 1, ..., 1``
===============  =====================================================================

One-off transition costs are charged on the flow ``m_t[i] P_t[i, j]`` moving during cycle
``t`` and discounted at the end of that cycle, :math:`d(t+1)`. Life years are the discounted
(at ``discount_effect``) time spent outside the ``dead`` states.

For a two-state alive/dead model with constant death probability ``p``, ``q = 1 - p`` and
``n`` cycles of length 1, the undiscounted life years are
:math:`\sum_{t=0}^{n-1} q^t = (1 - q^n)/(1 - q)` with ``"none"`` and that sum minus
:math:`(1 - q^n)/2` with ``"half-cycle"``; with discounting replace ``q`` by ``q/(1+r)``.

References
----------
.. [1] Sonnenberg FA, Beck JR. Markov models in medical decision making: a practical guide.
   *Med Decis Making* 1993;13(4):322-338.
.. [2] Elbasha EH, Chhatwal J. Theoretical foundations and practical applications of
   within-cycle correction methods. *Med Decis Making* 2016;36(1):115-131.
.. [3] Alarid-Escudero F, Krijkamp EM, Enns EA, et al. An introductory tutorial on cohort
   state-transition models in R using a cost-effectiveness analysis example.
   *Med Decis Making* 2023;43(1):3-20.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import check_in, check_names, check_number, fail, finite_or_raise
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["MarkovModel", "MarkovResult", "params_dict", "within_cycle_weights"]

_METHODS = ("half-cycle", "simpson", "none", "end")
Spec = Any  # array-like, callable(params, cycle, strategy) or {strategy: array or callable}


def params_dict(params: Any, caller: str) -> tuple[dict[str, np.ndarray], int]:
    """Turn a DataFrame (or mapping of scalars/1-D arrays) into ``{name: float array}``.

    Returns the dict and the number of draws. Scalars become length-1 arrays when nothing
    else sets the length.
    """
    if isinstance(params, pd.DataFrame):
        items = {str(c): params[c].to_numpy() for c in params.columns}
    elif isinstance(params, Mapping | pd.Series):
        items = {str(k): np.asarray(v) for k, v in params.items()}
    else:
        raise fail(
            "params", caller, "a DataFrame (one row per draw) or a dict of values", type(params)
        )
    lengths = {k: v.shape[0] for k, v in items.items() if v.ndim == 1}
    bad = [k for k, v in items.items() if v.ndim > 1]
    if bad:
        raise fail(f"params['{bad[0]}']", caller, "a scalar or a 1-D array", items[bad[0]].shape)
    sizes = set(lengths.values())
    if len(sizes) > 1:
        raise ValidationError(
            f"{caller}: the parameters have different numbers of draws {lengths}. Pass one "
            "value per draw for every parameter (a DataFrame keeps them aligned)."
        )
    n = sizes.pop() if sizes else 1
    if isinstance(params, pd.DataFrame):
        n = len(params)
    out = {}
    for k, v in items.items():
        if v.dtype.kind not in "biuf":
            raise fail(f"params['{k}']", caller, "numeric", v.dtype)
        arr = np.broadcast_to(np.asarray(v, dtype=float), (n,))
        finite_or_raise(arr, f"Parameter '{k}' passed to {caller}")
        out[k] = arr
    if n < 1:
        raise ValidationError(f"{caller}: params has no rows; pass at least one draw.")
    return out, n


def within_cycle_weights(n_cycles: int, method: str) -> np.ndarray:
    """Within-cycle correction weights ``w_t`` for the ``n_cycles + 1`` trace points.

    See the module docstring for each method. The weights of ``half-cycle`` and ``simpson``
    integrate a smooth occupancy curve over ``[0, n_cycles]`` cycles.
    """
    check_in(method, _METHODS, "within_cycle", "within_cycle_weights")
    n = n_cycles
    w = np.ones(n + 1)
    if method == "half-cycle":
        w[[0, -1]] = 0.5
    elif method == "none":
        w[-1] = 0.0
    elif method == "end":
        w[0] = 0.0
    else:
        if n < 2:
            raise ValidationError(
                "Simpson's within-cycle correction needs at least 2 cycles; use "
                "within_cycle='half-cycle' for a 1-cycle model."
            )
        m = n if n % 2 == 0 else n - 3  # Simpson 1/3 on [0, m], Simpson 3/8 on [m, n]
        w = np.zeros(n + 1)
        if m > 0:
            w[: m + 1] = 2.0
            w[1:m:2] = 4.0
            w[[0, m]] = 1.0
            w[: m + 1] /= 3.0
        if m != n:
            w[m : n + 1] += np.array([1.0, 3.0, 3.0, 1.0]) * 3.0 / 8.0
    return w


@dataclass(frozen=True, repr=False, eq=False)
class MarkovResult:
    """The result of :meth:`MarkovModel.run` (immutable).

    Attributes
    ----------
    values : xarray.Dataset
        ``cost``, ``qaly`` and ``life_years`` with dims ``(draw, action)``; actions are the
        strategies.
    inputs : pandas.DataFrame
        The parameter draws, one row per draw.
    mean_trace : xarray.DataArray
        Mean state occupancy over draws, dims ``(strategy, cycle, state)``, with a ``time``
        coordinate (``cycle * cycle_length``).
    trace : xarray.DataArray or None
        Occupancy per draw ``(draw, strategy, cycle, state)`` when ``return_trace=True``.
    cycle_length : float
        Length of a cycle in years.
    """

    values: xr.Dataset
    inputs: pd.DataFrame
    mean_trace: xr.DataArray
    trace: xr.DataArray | None
    cycle_length: float

    @property
    def strategies(self) -> list[str]:
        """Strategy names in order."""
        return [str(a) for a in self.values["action"].values]

    @property
    def states(self) -> list[str]:
        """State names in order."""
        return [str(s) for s in self.mean_trace["state"].values]

    @property
    def n_draws(self) -> int:
        """Number of parameter draws."""
        return int(self.values.sizes["draw"])

    @property
    def outcomes(self) -> OutcomeDistribution:
        """The outcomes as an :class:`~decisionkit.OutcomeDistribution` (inputs attached).

        Needs at least 2 draws; for a single deterministic run use :meth:`mean`.
        """
        if self.n_draws < 2:
            raise ValidationError(
                "MarkovResult.outcomes needs at least 2 draws; this run had 1 (a deterministic "
                "base case). Read its values with .mean() or .to_frame(), or run the model on "
                "a PSA sample."
            )
        return OutcomeDistribution(self.values, inputs=self.inputs)

    def mean(self) -> pd.DataFrame:
        """Expected cost, QALYs and life years per strategy (one row per strategy)."""
        frame = self.values.mean("draw").to_dataframe().reset_index()
        return frame.rename(columns={"action": "strategy"})

    def expected(self) -> dict[str, dict[str, float]]:
        """Mean of each metric per strategy as ``{strategy: {metric: value}}``.

        The form deterministic sensitivity analysis takes from a model run on one parameter
        set (``decisionkit.sensitivity``).
        """
        means = self.values.mean("draw")
        return {
            s: {m: float(means[m].sel(action=s)) for m in means.data_vars} for s in self.strategies
        }

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per (draw, strategy), columns cost, qaly, life_years."""
        return self.values.to_dataframe().reset_index().rename(columns={"action": "strategy"})

    def trace_frame(self) -> pd.DataFrame:
        """Mean trace as a long frame: strategy, cycle, time, state, proportion."""
        frame = self.mean_trace.rename("proportion").to_dataframe().reset_index()
        return frame[["strategy", "cycle", "time", "state", "proportion"]]

    def summary(self) -> str:
        """A short readable report of the expected outcomes."""
        n_cycles = self.mean_trace.sizes["cycle"] - 1
        head = (
            f"Markov cohort model: {len(self.states)} states, {n_cycles} cycles of "
            f"{self.cycle_length:g} year(s), {self.n_draws} draw(s)"
        )
        return head + "\n" + self.mean().to_string(index=False, float_format=lambda x: f"{x:,.4f}")

    def __repr__(self) -> str:
        return f"<MarkovResult>\n{self.summary()}"


class MarkovModel:
    r"""A Markov cohort model with per-strategy, possibly time-varying transitions.

    Parameters
    ----------
    states : sequence of str
        State names, in the order of the rows/columns of the transition matrices.
    strategies : sequence of str
        Strategy (decision option) names.
    transition : callable or dict
        ``transition(params, cycle, strategy)`` returning an array of shape
        ``(n_draws, n_states, n_states)`` (or ``(n_states, n_states)`` if it does not depend
        on the draw), row ``i`` holding the probabilities of moving from state ``i``; or a dict
        ``{strategy: array or callable}`` (callables in the dict are also called as
        ``f(params, cycle, strategy)``). ``params`` is a dict of 1-D float arrays, one per
        parameter column, length ``n_draws``; ``cycle`` is the 0-based index of the cycle
        (its start is at time ``cycle * cycle_length``). Every row must sum to 1.
    state_costs, state_utilities : callable, dict or array-like
        Annual cost and utility of each state, shape ``(n_draws, n_states)`` or
        ``(n_states,)``; callables are called as ``f(params, t, strategy)`` at each trace point
        ``t = 0..n_cycles``; a dict maps each strategy to an array or callable.
    transition_costs : callable, dict or None
        One-off costs of moving ``i -> j``: a callable/dict/array giving
        ``(n_draws, n_states, n_states)`` per strategy and cycle, or a dict of pairs
        ``{(from_state, to_state): value or callable}`` applied to every strategy.
    initial : str or array-like, optional
        Starting distribution: a state name (the whole cohort starts there) or proportions
        per state summing to 1. Default: everyone in the first state.
    n_cycles : int
        Number of cycles.
    cycle_length : float
        Cycle length in years (default 1).
    discount_cost, discount_effect : float
        Annual discount rates for costs and for QALYs/life years (default 0.035, NICE).
    within_cycle : {"half-cycle", "simpson", "none", "end"} or array-like
        Within-cycle correction (see the module documentation), or explicit weights for
        the ``n_cycles + 1`` trace points.
    dead : str or sequence of str, optional
        States that do not count towards life years (default none).
    tol : float
        Tolerance on row sums of the transition matrices (default 1e-8).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> model = MarkovModel(
    ...     ["Alive", "Dead"], strategies=["Usual care"],
    ...     transition=lambda p, cycle, s: np.array([[0.9, 0.1], [0.0, 1.0]]),
    ...     state_costs=[100.0, 0.0], state_utilities=[1.0, 0.0],
    ...     n_cycles=10, discount_cost=0, discount_effect=0, within_cycle="none", dead="Dead")
    >>> round(float(model.run(pd.DataFrame({"x": [0, 0]})).mean()["life_years"][0]), 4)
    6.5132
    """

    def __init__(
        self,
        states: Sequence[str],
        *,
        strategies: Sequence[str],
        transition: Spec,
        state_costs: Spec,
        state_utilities: Spec,
        transition_costs: Spec | None = None,
        initial: str | Sequence[float] | None = None,
        n_cycles: int,
        cycle_length: float = 1.0,
        discount_cost: float = 0.035,
        discount_effect: float = 0.035,
        within_cycle: str | Sequence[float] = "half-cycle",
        dead: str | Sequence[str] | None = None,
        tol: float = 1e-8,
    ) -> None:
        caller = "MarkovModel"
        self.states = check_names(states, "states", caller)
        if len(self.states) < 2:
            raise fail("states", caller, "at least 2 state names", states)
        self.strategies = check_names(strategies, "strategies", caller)
        if not self.strategies:
            raise fail("strategies", caller, "at least one strategy name", strategies)
        self.n_cycles = check_number(n_cycles, "n_cycles", caller, low=1, integer=True)
        self.cycle_length = check_number(
            cycle_length, "cycle_length", caller, low=0.0, low_inclusive=False
        )
        self.discount_cost = check_number(discount_cost, "discount_cost", caller, low=0.0)
        self.discount_effect = check_number(discount_effect, "discount_effect", caller, low=0.0)
        if isinstance(within_cycle, str):
            self.within_cycle = check_in(within_cycle, _METHODS, "within_cycle", caller)
            self._weights = within_cycle_weights(self.n_cycles, self.within_cycle)
        else:
            w = np.asarray(within_cycle, dtype=float)
            if w.shape != (self.n_cycles + 1,) or not np.all(np.isfinite(w)) or np.any(w < 0):
                raise fail(
                    "within_cycle",
                    caller,
                    f"one of {list(_METHODS)} or {self.n_cycles + 1} non-negative weights "
                    "(one per trace point t = 0..n_cycles)",
                    within_cycle,
                )
            self.within_cycle = "custom"
            self._weights = w
        self.tol = check_number(tol, "tol", caller, low=0.0, low_inclusive=False)
        self.transition = self._check_spec(transition, "transition", caller)
        self.state_costs = self._check_spec(state_costs, "state_costs", caller)
        self.state_utilities = self._check_spec(state_utilities, "state_utilities", caller)
        self.transition_costs = (
            None
            if transition_costs is None
            else self._check_transition_costs(transition_costs, caller)
        )
        self.initial = self._check_initial(initial, caller)
        dead_list = [dead] if isinstance(dead, str) else list(dead or [])
        unknown = [d for d in dead_list if d not in self.states]
        if unknown:
            raise ValidationError(
                f"{caller}: dead state(s) {unknown} are not among the states {self.states}."
            )
        self.dead = dead_list
        self._alive = np.array([s not in dead_list for s in self.states], dtype=float)

    # ---------------------------------------------------------------- validation at init
    def _check_spec(self, spec: Spec, name: str, caller: str) -> Spec:
        if isinstance(spec, Mapping):
            keys = [str(k) for k in spec]
            missing = [s for s in self.strategies if s not in keys]
            extra = [k for k in keys if k not in self.strategies]
            if missing or extra:
                raise ValidationError(
                    f"The '{name}' dict of {caller} must have one entry per strategy "
                    f"{self.strategies}; missing {missing}, unknown {extra}."
                )
            return {str(k): v for k, v in spec.items()}
        if spec is None:
            raise fail(name, caller, "an array, a callable or a dict per strategy", spec)
        return spec

    def _check_transition_costs(self, spec: Spec, caller: str) -> Spec:
        if isinstance(spec, Mapping) and spec and all(isinstance(k, tuple) for k in spec):
            pairs = {}
            for (a, b), value in spec.items():
                for s in (a, b):
                    if s not in self.states:
                        raise ValidationError(
                            f"{caller}: transition_costs names state {s!r}, which is not among "
                            f"the states {self.states}."
                        )
                pairs[(self.states.index(a), self.states.index(b))] = value
            return _PairCosts(pairs, len(self.states))
        return self._check_spec(spec, "transition_costs", caller)

    def _check_initial(self, initial: Any, caller: str) -> np.ndarray:
        k = len(self.states)
        if initial is None:
            return np.eye(k)[0]
        if isinstance(initial, str):
            if initial not in self.states:
                raise fail("initial", caller, f"one of the states {self.states}", initial)
            return np.eye(k)[self.states.index(initial)]
        arr = np.asarray(initial, dtype=float)
        if arr.shape != (k,) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise fail("initial", caller, f"{k} non-negative proportions (one per state)", initial)
        if abs(arr.sum() - 1.0) > self.tol:
            raise fail("initial", caller, "proportions summing to 1", initial, f"Sum {arr.sum()}.")
        return arr

    # ---------------------------------------------------------------- evaluation
    def _eval(self, spec, strategy, params, cycle, shape, what) -> np.ndarray:
        if isinstance(spec, Mapping):
            spec = spec[strategy]
        value = spec(params, cycle, strategy) if callable(spec) else spec
        arr = np.asarray(value, dtype=float)
        try:
            arr = np.broadcast_to(arr, shape)
        except ValueError:
            raise ValidationError(
                f"MarkovModel: {what} for strategy {strategy!r} at cycle {cycle} has shape "
                f"{arr.shape}; expected {shape} (or {shape[1:]} for values shared by all draws)."
            ) from None
        finite_or_raise(arr, f"MarkovModel: {what} for strategy {strategy!r} at cycle {cycle}")
        return arr

    def _transition(self, strategy, params, cycle, n) -> np.ndarray:
        k = len(self.states)
        spec = self.transition[strategy] if isinstance(self.transition, dict) else self.transition
        value = spec(params, cycle, strategy) if callable(spec) else spec
        p = np.asarray(value, dtype=float)
        if p.shape not in ((n, k, k), (k, k)):
            raise ValidationError(
                f"MarkovModel: the transition matrix for strategy {strategy!r} at cycle {cycle} "
                f"has shape {p.shape}; expected {(n, k, k)} (or {(k, k)} for a matrix shared "
                "by all draws)."
            )
        p = np.broadcast_to(p, (n, k, k))
        rows = p @ np.ones(k)  # row sums; faster than p.sum(-1) on a short last axis
        tol = self.tol
        # fast path: three reductions; NaN fails every comparison and falls through
        if np.abs(rows - 1.0).max() <= tol and p.min() >= -tol and p.max() <= 1 + tol:
            return p
        bad = ~(np.abs(rows - 1.0) <= tol) | ~np.all((p >= -tol) & (p <= 1 + tol), -1)
        if bad.any():
            draw, state = (int(i) for i in np.argwhere(bad)[0])
            row = p[draw, state]
            raise ValidationError(
                f"MarkovModel: the transition matrix of strategy {strategy!r} at cycle {cycle} "
                f"is invalid in row (from state) {self.states[state]!r}, draw {draw}: the row "
                f"sums to {rows[draw, state]:.10g} (must be 1 within {self.tol:g}) and holds "
                f"{np.round(row, 6).tolist()}. Check the complement (1 - sum of the others) "
                "and that every probability is in [0, 1]."
            )
        return p

    def run(self, params: Any, *, return_trace: bool = False) -> MarkovResult:
        """Run the cohort for every parameter draw and strategy.

        Parameters
        ----------
        params : DataFrame or mapping
            Parameter draws, one row per draw (e.g. :meth:`PSA.sample`), or a dict of
            scalars for one deterministic run.
        return_trace : bool
            Keep the occupancy of every draw (``n_draws x strategies x (n_cycles+1) x states``
            floats); the mean trace is always kept.

        Returns
        -------
        MarkovResult
        """
        caller = "MarkovModel.run"
        pdict, n = params_dict(params, caller)
        inputs = pd.DataFrame({k: np.array(v) for k, v in pdict.items()})
        k, t_max = len(self.states), self.n_cycles
        times = np.arange(t_max + 1) * self.cycle_length
        disc_c = self._weights * (1 + self.discount_cost) ** -times * self.cycle_length
        disc_e = self._weights * (1 + self.discount_effect) ** -times * self.cycle_length
        disc_tc = (1 + self.discount_cost) ** -times  # transition costs at end of cycle
        n_s = len(self.strategies)
        cost, qaly, ly = (np.zeros((n, n_s)) for _ in range(3))
        mean_trace = np.empty((n_s, t_max + 1, k))
        full = np.empty((n, n_s, t_max + 1, k)) if return_trace else None
        for j, strat in enumerate(self.strategies):
            m = np.broadcast_to(self.initial, (n, k)).copy()
            for t in range(t_max + 1):
                mean_trace[j, t] = m.mean(axis=0)
                if full is not None:
                    full[:, j, t] = m
                c = self._eval(self.state_costs, strat, pdict, t, (n, k), "state_costs")
                u = self._eval(self.state_utilities, strat, pdict, t, (n, k), "state_utilities")
                cost[:, j] += disc_c[t] * np.einsum("ns,ns->n", m, c)
                qaly[:, j] += disc_e[t] * np.einsum("ns,ns->n", m, u)
                ly[:, j] += disc_e[t] * (m @ self._alive)
                if t == t_max:
                    break
                p = self._transition(strat, pdict, t, n)
                if self.transition_costs is not None:
                    tc = self._eval(
                        self.transition_costs, strat, pdict, t, (n, k, k), "transition_costs"
                    )
                    cost[:, j] += disc_tc[t + 1] * np.einsum(
                        "ni,ni->n", m, np.einsum("nij,nij->ni", p, tc)
                    )
                m = np.einsum("ni,nij->nj", m, p)
        coords = {"draw": np.arange(n), "action": self.strategies}
        values = xr.Dataset(
            {
                "cost": (("draw", "action"), cost),
                "qaly": (("draw", "action"), qaly),
                "life_years": (("draw", "action"), ly),
            },
            coords=coords,
        )
        tcoords = {
            "strategy": self.strategies,
            "cycle": np.arange(t_max + 1),
            "state": self.states,
            "time": ("cycle", times),
        }
        mean_da = xr.DataArray(mean_trace, dims=("strategy", "cycle", "state"), coords=tcoords)
        trace = None
        if full is not None:
            trace = xr.DataArray(
                full,
                dims=("draw", "strategy", "cycle", "state"),
                coords={"draw": np.arange(n), **tcoords},
            )
        return MarkovResult(values, inputs, mean_da, trace, self.cycle_length)

    def __repr__(self) -> str:
        return (
            f"MarkovModel(states={self.states}, strategies={self.strategies}, "
            f"n_cycles={self.n_cycles}, cycle_length={self.cycle_length:g}, "
            f"within_cycle={self.within_cycle!r})"
        )


class _PairCosts:
    """Transition costs given as ``{(from, to): value or callable}``, built into a matrix."""

    def __init__(self, pairs: dict[tuple[int, int], Any], k: int) -> None:
        self.pairs, self.k = pairs, k

    def __call__(self, params: Mapping[str, np.ndarray], cycle: int, strategy: str) -> np.ndarray:
        n = len(next(iter(params.values()))) if params else 1
        out = np.zeros((n, self.k, self.k))
        for (i, j), value in self.pairs.items():
            v: Callable | Any = value
            out[:, i, j] = v(params, cycle, strategy) if callable(v) else v
        return out
