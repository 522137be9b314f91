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

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import (
    caller_name,
    check_in,
    check_names,
    check_number,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort import _conventions as conv
from decisionkit.models.cohort._conventions import PairCosts, params_dict, within_cycle_weights
from decisionkit.models.cohort._markov_result import MarkovResult

__all__ = ["MarkovModel", "MarkovResult", "params_dict", "within_cycle_weights"]

_METHODS = conv.METHODS
Spec = Any  # array-like, callable(params, cycle, strategy) or {strategy: array or callable}


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
        parameter column, length ``n_draws``; ``cycle`` is the model time in the convention
        of ``model_time``. Every row must sum to 1.
    state_costs, state_utilities : callable, dict or array-like
        Annual cost and utility of each state, shape ``(n_draws, n_states)`` or
        ``(n_states,)``; callables are called as ``f(params, t, strategy)`` at each counted
        trace point; a dict maps each strategy to an array or callable.
    cost_components : dict, optional
        Named cost components ``{name: spec}`` (each as ``state_costs``) instead of
        ``state_costs``: the result reports ``cost_<name>`` for each and their sum as ``cost``,
        and each may have its own discount rate.
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
    discount_cost : float or dict
        Annual discount rate of costs (default 0.035, NICE), or ``{component: rate}`` with a
        rate for every entry of ``cost_components`` (and ``"transition_costs"`` when there are
        transition costs); a rate of 0 leaves that value undiscounted.
    discount_effect : float
        Annual discount rate of QALYs (default 0.035).
    discount_life_years : float, optional
        Annual discount rate of life years (default: ``discount_effect``).
    discount_first_cycle : bool or None
        When discounting starts, independent of how membership is counted (see
        :mod:`~decisionkit.models.cohort._conventions`): ``None`` (default) discounts each
        counted trace point by its time; ``True``/``False`` discount per cycle, the first
        cycle by one cycle or not at all (heemod's ``first``).
    model_time : {"elapsed", "cycle"}
        What callables receive as ``cycle``/``t``: ``"elapsed"`` (default) the number of
        cycles elapsed (0 for the first transition, the trace point for values);
        ``"cycle"`` the 1-based number of the cycle (heemod's ``model_time``).
    background_mortality : LifeTable, optional
        General-population mortality added to every state outside ``dead``: with ``q`` the
        probability of dying during the cycle from the life table at the cohort's age, each
        row becomes ``(1 - q) P[i] + q e_dead`` (competing risks, dying first).
    start_age : float, optional
        Age of the cohort at time 0 (required with ``background_mortality``).
    sex : str, optional
        Row of the life table to use when it is tabulated by sex.
    within_cycle : {"half-cycle", "simpson", "none", "end"} or array-like
        Within-cycle correction (see the module documentation), or explicit weights for
        the ``n_cycles + 1`` trace points.
    dead : str or sequence of str, optional
        States that do not count towards life years (default none); the first is where
        background mortality goes.
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

    @validate_params()
    def __init__(
        self,
        states: Sequence[str],
        *,
        strategies: Sequence[str],
        transition: Spec,
        state_costs: Spec | None = None,
        state_utilities: Spec,
        cost_components: Mapping[str, Spec] | None = None,
        transition_costs: Spec | None = None,
        initial: str | Sequence[float] | None = None,
        n_cycles: int,
        cycle_length: float = 1.0,
        discount_cost: float | Mapping[str, float] = 0.035,
        discount_effect: float = 0.035,
        discount_life_years: float | None = None,
        discount_first_cycle: bool | None = None,
        model_time: str = "elapsed",
        background_mortality: Any = None,
        start_age: float | None = None,
        sex: str | None = None,
        within_cycle: str | Sequence[float] = "half-cycle",
        dead: str | Sequence[str] | None = None,
        tol: float = 1e-8,
    ) -> None:
        self.states = check_names(states, "states")
        if len(self.states) < 2:
            raise fail("states", "at least 2 state names", states)
        self.strategies = check_names(strategies, "strategies")
        if not self.strategies:
            raise fail("strategies", "at least one strategy name", strategies)
        self.n_cycles = check_number(n_cycles, "n_cycles", low=1, integer=True)
        self.cycle_length = check_number(cycle_length, "cycle_length", low=0.0, low_inclusive=False)
        self.discount_effect = check_number(discount_effect, "discount_effect", low=0.0)
        self.discount_life_years = (
            self.discount_effect
            if discount_life_years is None
            else check_number(discount_life_years, "discount_life_years", low=0.0)
        )
        if isinstance(within_cycle, str):
            self.within_cycle = check_in(within_cycle, _METHODS, "within_cycle")
            self._weights = within_cycle_weights(self.n_cycles, self.within_cycle)
        else:
            w = np.asarray(within_cycle, dtype=float)
            if w.shape != (self.n_cycles + 1,) or not np.all(np.isfinite(w)) or np.any(w < 0):
                raise fail(
                    "within_cycle",
                    f"one of {list(_METHODS)} or {self.n_cycles + 1} non-negative weights "
                    "(one per trace point t = 0..n_cycles)",
                    within_cycle,
                )
            self.within_cycle = "custom"
            self._weights = w
        if discount_first_cycle is not None and not isinstance(discount_first_cycle, bool):
            raise fail("discount_first_cycle", "None, True or False", discount_first_cycle)
        if discount_first_cycle is not None:
            conv.check_per_cycle(self.within_cycle, "discount_first_cycle")
        self.discount_first_cycle = discount_first_cycle
        self.model_time = check_in(model_time, ("elapsed", "cycle"), "model_time")
        if model_time == "cycle" and self.within_cycle not in ("end", "none"):
            raise ValidationError(
                f"{caller_name()}: model_time='cycle' numbers each counted trace point by "
                "its cycle, "
                f"which needs within_cycle 'end' or 'none'; got {self.within_cycle!r}."
            )
        self.tol = check_number(tol, "tol", low=0.0, low_inclusive=False)
        self.transition = self._check_spec(transition, "transition")
        self.state_utilities = self._check_spec(state_utilities, "state_utilities")
        self.cost_components = self._check_components(state_costs, cost_components)
        self.state_costs = state_costs if cost_components is None else None
        self.transition_costs = (
            None if transition_costs is None else self._check_transition_costs(transition_costs)
        )
        self.discount_cost = self._check_discount_cost(discount_cost)
        self.initial = self._check_initial(initial)
        dead_list = [dead] if isinstance(dead, str) else list(dead or [])
        unknown = [d for d in dead_list if d not in self.states]
        if unknown:
            raise ValidationError(
                f"{caller_name()}: dead state(s) {unknown} are not among the states {self.states}."
            )
        self.dead = dead_list
        self._alive = np.array([s not in dead_list for s in self.states], dtype=float)
        self._set_background(background_mortality, start_age, sex)

    # ---------------------------------------------------------------- validation at init
    def _check_spec(self, spec: Spec, name: str) -> Spec:
        if isinstance(spec, Mapping):
            keys = [str(k) for k in spec]
            missing = [s for s in self.strategies if s not in keys]
            extra = [k for k in keys if k not in self.strategies]
            if missing or extra:
                raise ValidationError(
                    f"The '{name}' dict of {caller_name()} must have one entry per strategy "
                    f"{self.strategies}; missing {missing}, unknown {extra}."
                )
            return {str(k): v for k, v in spec.items()}
        if spec is None:
            raise fail(name, "an array, a callable or a dict per strategy", spec)
        return spec

    def _check_components(self, state_costs, components) -> dict[str | None, Spec]:
        if components is None:
            return {None: self._check_spec(state_costs, "state_costs")}
        if state_costs is not None:
            raise ValidationError(
                f"{caller_name()}: pass either state_costs or cost_components, not both; put the "
                "state costs in cost_components as one more named component."
            )
        if not isinstance(components, Mapping) or not components:
            raise fail("cost_components", "a non-empty dict {name: costs}", components)
        names = check_names(components.keys(), "cost_components")
        return {
            n: self._check_spec(v, f"cost_components['{n}']")
            for n, v in zip(names, components.values(), strict=True)
        }

    def _check_discount_cost(self, rate) -> float | dict[str, float]:
        if not isinstance(rate, Mapping):
            return check_number(rate, "discount_cost", low=0.0)
        needed = [n for n in self.cost_components if n is not None]
        if None in self.cost_components:
            raise ValidationError(
                f"{caller_name()}: a discount rate per value (a dict discount_cost) needs named "
                "cost_components; pass discount_cost as one number with state_costs."
            )
        if self.transition_costs is not None:
            needed.append("transition_costs")
        keys = [str(k) for k in rate]
        missing = [n for n in needed if n not in keys]
        extra = [k for k in keys if k not in needed]
        if missing or extra:
            raise ValidationError(
                f"The 'discount_cost' dict of {caller_name()} must give a rate for each of "
                f"{needed}; "
                f"missing {missing}, unknown {extra}."
            )
        return {str(k): check_number(v, f"discount_cost['{k}']", low=0.0) for k, v in rate.items()}

    def _set_background(self, table, start_age, sex) -> None:
        self.background_mortality, self.start_age, self.sex = table, None, sex
        if table is None:
            if start_age is not None or sex is not None:
                raise ValidationError(
                    f"{caller_name()}: start_age and sex are used with background_mortality (a "
                    "LifeTable); pass one or leave them out."
                )
            return
        from decisionkit.models.life_table import LifeTable

        if not isinstance(table, LifeTable):
            raise fail("background_mortality", "a decisionkit.models.LifeTable", table)
        if not self.dead:
            raise ValidationError(
                f"{caller_name()}: background_mortality needs a dead state to move people to; "
                "name it with dead=..."
            )
        if start_age is None:
            raise fail("start_age", "the cohort's age at time 0 (years)", start_age)
        self.start_age = check_number(start_age, "start_age", low=0.0)
        # fail early on an age or sex the table lacks (a table by sex without ``sex`` is left
        # to a microsimulation whose individuals carry their own sex)
        if sex is not None or not table.has_sex_:
            table.hazard(self.start_age, sex)

    def _check_transition_costs(self, spec: Spec) -> Spec:
        if isinstance(spec, Mapping) and spec and all(isinstance(k, tuple) for k in spec):
            pairs = {}
            for (a, b), value in spec.items():
                for s in (a, b):
                    if s not in self.states:
                        raise ValidationError(
                            f"{caller_name()}: transition_costs names state {s!r}, which is "
                            "not among "
                            f"the states {self.states}."
                        )
                pairs[(self.states.index(a), self.states.index(b))] = value
            return PairCosts(pairs, len(self.states))
        return self._check_spec(spec, "transition_costs")

    def _check_initial(self, initial: Any) -> np.ndarray:
        k = len(self.states)
        if initial is None:
            return np.eye(k)[0]
        if isinstance(initial, str):
            if initial not in self.states:
                raise fail("initial", f"one of the states {self.states}", initial)
            return np.eye(k)[self.states.index(initial)]
        arr = np.asarray(initial, dtype=float)
        if arr.shape != (k,) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise fail("initial", f"{k} non-negative proportions (one per state)", initial)
        if abs(arr.sum() - 1.0) > self.tol:
            raise fail("initial", "proportions summing to 1", initial, hint=f"Sum {arr.sum()}.")
        return arr

    # ---------------------------------------------------------------- conventions
    def _value_weights(self, rate: float) -> np.ndarray:
        """Weight of the annual value counted at each trace point: w_t d_t cycle_length."""
        n, cl = self.n_cycles, self.cycle_length
        d = conv.value_discount(rate, n, cl, self.within_cycle, self.discount_first_cycle)
        return self._weights * d * cl

    def _reward_weights(self) -> tuple[dict[str | None, np.ndarray], np.ndarray, np.ndarray]:
        """Weights per cost component, for QALYs and for life years (one per trace point)."""
        rates = self.discount_cost
        costs = {
            # per-component rates (a dict) are accepted only with named components (__init__)
            name: self._value_weights(
                rates if not isinstance(rates, dict) else rates[name]  # type: ignore[index]
            )
            for name in self.cost_components
        }
        return (
            costs,
            self._value_weights(self.discount_effect),
            self._value_weights(self.discount_life_years),
        )

    def _transition_cost_discount(self) -> np.ndarray:
        """Discount of the one-off transition costs of each cycle (index: 0-based cycle)."""
        rate = self.discount_cost
        rate = rate.get("transition_costs", 0.0) if isinstance(rate, dict) else rate
        n, cl = self.n_cycles, self.cycle_length
        return conv.transition_discount(rate, n, cl, self.discount_first_cycle)

    def _value_time(self, t: int) -> int:
        return conv.value_model_time(t, self.within_cycle, self.model_time)

    def _cycle_time(self, cycle: int) -> int:
        return cycle + (1 if self.model_time == "cycle" else 0)

    @validate_params()
    def background_probability(self, cycle: int, age: Any = None, sex: Any = None) -> np.ndarray:
        """Probability of dying from background causes during cycle ``cycle`` (0-based).

        ``1 - exp(-(H(age, cycle_length)))`` with ``H`` the life table's cumulative hazard
        over the cycle, from ``age`` (default: the cohort's age ``start_age + cycle *
        cycle_length``) and ``sex`` (default: the model's).
        """
        if self.background_mortality is None or self.start_age is None:
            raise ValidationError("This MarkovModel has no background_mortality (LifeTable).")
        a = self.start_age + cycle * self.cycle_length if age is None else age
        s = self.sex if sex is None else sex
        h = self.background_mortality.cumulative_hazard(a, self.cycle_length, s)
        return -np.expm1(-h)

    # ---------------------------------------------------------------- evaluation
    def _eval(self, spec, strategy, params, t, shape, what, *, time=None) -> np.ndarray:
        """Evaluate a value spec at trace point ``t`` (model time converted)."""
        if isinstance(spec, Mapping):
            spec = spec[strategy]
        when = self._value_time(t) if time is None else time
        value = spec(params, when, strategy) if callable(spec) else spec
        arr = np.asarray(value, dtype=float)
        try:
            arr = np.broadcast_to(arr, shape)
        except ValueError:
            raise ValidationError(
                f"MarkovModel: {what} for strategy {strategy!r} at cycle {when} has shape "
                f"{arr.shape}; expected {shape} (or {shape[1:]} for values shared by all draws)."
            ) from None
        finite_or_raise(arr, f"MarkovModel: {what} for strategy {strategy!r} at cycle {when}")
        return arr

    def _state_costs(self, strategy, params, t, shape, weights) -> np.ndarray:
        """Weighted cost of each state at trace point ``t``, summed over components."""
        total = np.zeros(shape)
        for name, spec in self.cost_components.items():
            if weights[name][t] != 0:
                what = "state_costs" if name is None else f"cost_components['{name}']"
                total = total + weights[name][t] * self._eval(
                    spec, strategy, params, t, shape, what
                )
        return total

    def _transition_costs(self, strategy, params, cycle, n) -> np.ndarray:
        k = len(self.states)
        time = self._cycle_time(cycle)
        return self._eval(
            self.transition_costs,
            strategy,
            params,
            cycle,
            (n, k, k),
            "transition_costs",
            time=time,
        )

    def _transition(self, strategy, params, cycle, n, *, background: bool = True) -> np.ndarray:
        """Transition matrices of cycle ``cycle`` (0-based), background mortality included."""
        k = len(self.states)
        time = self._cycle_time(cycle)
        spec = self.transition[strategy] if isinstance(self.transition, dict) else self.transition
        value = spec(params, time, strategy) if callable(spec) else spec
        p = np.asarray(value, dtype=float)
        if p.shape not in ((n, k, k), (k, k)):
            raise ValidationError(
                f"MarkovModel: the transition matrix for strategy {strategy!r} at cycle {time} "
                f"has shape {p.shape}; expected {(n, k, k)} (or {(k, k)} for a matrix shared "
                "by all draws)."
            )
        p = np.broadcast_to(p, (n, k, k))
        self._check_rows(p, strategy, time)
        if background and self.background_mortality is not None:
            p = self.add_background(p, self.background_probability(cycle))
        return p

    @validate_params()
    def add_background(self, p: np.ndarray, q: Any) -> np.ndarray:
        """Matrices ``(..., k, k)`` with rows ``(1 - q) P[i] + q e_dead`` outside ``dead``.

        ``q`` broadcasts against ``p.shape[:-2]`` (one probability per draw, or a scalar).
        """
        q = np.asarray(q, dtype=float)[..., None, None]
        out = (1.0 - q) * p
        out[..., self.states.index(self.dead[0])] += q[..., 0]
        for d in self.dead:  # dead states keep their own rows
            i = self.states.index(d)
            out[..., i, :] = p[..., i, :]
        return out

    def _check_rows(self, p: np.ndarray, strategy: str, time: int) -> None:
        k, tol = p.shape[-1], self.tol
        rows = p @ np.ones(k)  # row sums; faster than p.sum(-1) on a short last axis
        # fast path: three reductions; NaN fails every comparison and falls through
        if np.abs(rows - 1.0).max() <= tol and p.min() >= -tol and p.max() <= 1 + tol:
            return
        bad = ~(np.abs(rows - 1.0) <= tol) | ~np.all((p >= -tol) & (p <= 1 + tol), -1)
        draw, state = (int(i) for i in np.argwhere(bad)[0])
        row = p[draw, state]
        raise ValidationError(
            f"MarkovModel: the transition matrix of strategy {strategy!r} at cycle {time} "
            f"is invalid in row (from state) {self.states[state]!r}, draw {draw}: the row "
            f"sums to {rows[draw, state]:.10g} (must be 1 within {self.tol:g}) and holds "
            f"{np.round(row, 6).tolist()}. Check the complement (1 - sum of the others) "
            "and that every probability is in [0, 1]."
        )

    @validate_params()
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
        pdict, n = params_dict(params)
        inputs = pd.DataFrame({k: np.array(v) for k, v in pdict.items()})
        k, t_max = len(self.states), self.n_cycles
        times = np.arange(t_max + 1) * self.cycle_length
        w_cost, w_qaly, w_ly = self._reward_weights()
        disc_tc = self._transition_cost_discount()
        n_s = len(self.strategies)
        parts = {name: np.zeros((n, n_s)) for name in w_cost}
        qaly, ly = np.zeros((n, n_s)), np.zeros((n, n_s))
        mean_trace = np.empty((n_s, t_max + 1, k))
        full = np.empty((n, n_s, t_max + 1, k)) if return_trace else None
        tc_part = "transition_costs" if isinstance(self.discount_cost, dict) else None
        if self.transition_costs is not None and tc_part is not None:
            parts[tc_part] = np.zeros((n, n_s))
        for j, strat in enumerate(self.strategies):
            m = np.broadcast_to(self.initial, (n, k)).copy()
            for t in range(t_max + 1):
                mean_trace[j, t] = m.mean(axis=0)
                if full is not None:
                    full[:, j, t] = m
                for name, spec in self.cost_components.items():
                    if w_cost[name][t] != 0:
                        what = "state_costs" if name is None else f"cost_components['{name}']"
                        c = self._eval(spec, strat, pdict, t, (n, k), what)
                        parts[name][:, j] += w_cost[name][t] * np.einsum("ns,ns->n", m, c)
                if w_qaly[t] != 0:
                    u = self._eval(self.state_utilities, strat, pdict, t, (n, k), "state_utilities")
                    qaly[:, j] += w_qaly[t] * np.einsum("ns,ns->n", m, u)
                ly[:, j] += w_ly[t] * (m @ self._alive)
                if t == t_max:
                    break
                p = self._transition(strat, pdict, t, n)
                if self.transition_costs is not None:
                    tc = self._transition_costs(strat, pdict, t, n)
                    parts[tc_part][:, j] += disc_tc[t] * np.einsum(
                        "ni,ni->n", m, np.einsum("nij,nij->ni", p, tc)
                    )
                m = np.einsum("ni,nij->nj", m, p)
        coords = {"draw": np.arange(n), "action": self.strategies}
        data = {"cost": (("draw", "action"), sum(parts.values()))}
        data |= {"qaly": (("draw", "action"), qaly), "life_years": (("draw", "action"), ly)}
        for name, part in parts.items():
            if name is not None:
                data[f"cost_{name}"] = (("draw", "action"), part)
        values = xr.Dataset(data, coords=coords)
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
