r"""Individual-level state-transition model (microsimulation) sharing MarkovModel's vocabulary.

Each simulated individual occupies one state per cycle. At trace point ``t`` (time
``t * cycle_length``) they accrue the state's annual cost and utility with the same
within-cycle weight ``w_t`` and discount factor as the cohort model,
``w_t (1 + r)^{-t \cdot \text{cycle_length}} \cdot \text{cycle_length}``; one-off transition
costs are charged on the move during cycle ``t`` and discounted at the end of it. The mean over
individuals is therefore an unbiased estimate of the cohort model's value whenever the
transition probabilities depend only on the strategy, the cycle and the current state.

What a cohort cannot carry, an individual can: transition probabilities and rewards given
as :func:`per_individual` functions see each individual's attributes (age, sex, any covariate
column), the time already spent in the current state (semi-Markov) and the number of visits to
every state (history). Attributes are updated every cycle (``age`` advances by the cycle
length; ``update`` returns any other new values).

Randomness. Under common random numbers (the default) individual ``i`` of draw ``d`` meets
the same uniform at cycle ``t`` in every strategy, so strategy differences are estimated on
paired paths [2]_. Each parameter draw has its own stream, spawned from ``random_seed``
(numpy ``SeedSequence``), so the numbers do not depend on how draws are chunked.

References
----------
.. [1] Krijkamp EM, Alarid-Escudero F, Enns EA, Jalal HJ, Hunink MGM, Pechlivanoglou P.
   Microsimulation modeling for health decision sciences using R: a tutorial.
   *Med Decis Making* 2018;38(3):400-422.
.. [2] Stout NK, Goldie SJ. Keeping the noise down: common random numbers for disease
   simulation modeling. *Health Care Manag Sci* 2008;11(4):399-406.
.. [3] Davis S, Stevenson M, Tappenden P, Wailoo A. NICE DSU Technical Support Document 15:
   cost-effectiveness modelling using patient-level simulation. 2014.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import (
    caller_name,
    check_random_state,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.models.simulation import _engine
from decisionkit.models.simulation._individuals import Individuals, PerIndividual
from decisionkit.models.simulation._population import (
    check_population,
    check_rows,
    check_updates,
    initial_states,
)
from decisionkit.models.simulation._result import METRICS, MicrosimulationResult

__all__ = ["Microsimulation"]

_CHUNK_BYTES = 64 * 2**20  # uniforms held at once per chunk of draws
_BLOCK = 2048  # individuals per parallel block of the compiled kernel


def _markov():
    from decisionkit.models.cohort import markov

    return markov


class Microsimulation:
    r"""An individual-level state-transition model (microsimulation).

    Takes the arguments of :class:`~decisionkit.models.MarkovModel` (the same specification
    runs as a cohort through :meth:`to_cohort` when nothing in it is per individual), plus:

    Parameters
    ----------
    states : sequence of str
        State names.
    absorbing : str or sequence of str, optional
        Alive states that legitimately have no exit. Every other state that is not ``dead``
        must be left with positive probability in some cycle; the run fails otherwise (a
        missing death probability is the usual cause).
    update : callable, optional
        ``update(ind, params, cycle, strategy)`` called after every transition, returning a
        dict of new attribute arrays (the population's columns). The age column advances by
        ``cycle_length`` every cycle without it.
    age_column, sex_column : str or None
        Population columns holding each individual's age (advanced every cycle; ``None``
        keeps every attribute fixed unless ``update`` changes it) and sex. With
        ``background_mortality`` (a LifeTable) each individual's background death
        probability is read at their own age and sex; individuals without these columns
        use ``start_age`` and ``sex``, as the cohort does.
    **spec
        Every keyword argument of :class:`~decisionkit.models.MarkovModel` (``strategies``,
        ``transition``, ``state_costs`` or ``cost_components``, ``state_utilities``,
        ``transition_costs``, ``initial``, ``n_cycles``, ``cycle_length``, the discount
        options, ``model_time``, ``background_mortality``, ``within_cycle``, ``dead``,
        ``tol``). Any of ``transition``, ``transition_costs``, the state costs and
        ``state_utilities`` may instead be a :func:`per_individual` function (or a dict per
        strategy of them).

    Examples
    --------
    >>> import numpy as np
    >>> sim = Microsimulation(
    ...     ["Alive", "Dead"], strategies=["Usual care"],
    ...     transition=np.array([[0.9, 0.1], [0.0, 1.0]]),
    ...     state_costs=[100.0, 0.0], state_utilities=[1.0, 0.0], n_cycles=10,
    ...     discount_cost=0, discount_effect=0, within_cycle="none", dead="Dead")
    >>> res = sim.run(population=20_000, random_seed=1)
    >>> abs(res.mean()["life_years"][0] - (1 - 0.9**10) / 0.1) < 4 * res.summary()[
    ...     "life_years_mcse"][0]
    True
    """

    @validate_params()
    def __init__(
        self,
        states: Sequence[str],
        *,
        absorbing: str | Sequence[str] | None = None,
        update: Callable[..., Mapping[str, np.ndarray]] | None = None,
        age_column: str | None = "age",
        sex_column: str | None = "sex",
        **spec: Any,
    ) -> None:
        # the cohort model validates the shared specification (one set of rules)
        self._spec = _markov().MarkovModel(states, **spec)
        self._set_extras(absorbing, update, age_column, sex_column)

    def _set_extras(self, absorbing, update, age_column, sex_column) -> None:
        absorbing_list = [absorbing] if isinstance(absorbing, str) else list(absorbing or [])
        unknown = [a for a in absorbing_list if a not in self.states]
        if unknown:
            raise fail("absorbing", f"state names among {self.states}", unknown)
        self.absorbing = absorbing_list
        if update is not None and not callable(update):
            raise fail("update", "a callable update(ind, params, cycle, strategy)", update)
        self.update = update
        for name, col in (("age_column", age_column), ("sex_column", sex_column)):
            if col is not None and not isinstance(col, str):
                raise fail(name, "a column name or None", col)
        self.age_column, self.sex_column = age_column, sex_column

    # ---------------------------------------------------------------- the shared spec
    @property
    def states(self) -> list[str]:
        """State names."""
        return self._spec.states

    @property
    def strategies(self) -> list[str]:
        """Strategy names."""
        return self._spec.strategies

    @property
    def n_cycles(self) -> int:
        """Number of cycles."""
        return self._spec.n_cycles

    @property
    def cycle_length(self) -> float:
        """Cycle length in years."""
        return self._spec.cycle_length

    def _specs(self) -> list[Any]:
        spec = self._spec
        out: list[Any] = []
        parts = [spec.transition, spec.state_utilities, spec.transition_costs]
        for s in [*parts, *spec.cost_components.values()]:
            out.extend(s.values() if isinstance(s, dict) else [s])
        return out

    @property
    def is_cohort_equivalent(self) -> bool:
        """True when nothing depends on the individual, so the model also runs as a cohort."""
        return self.update is None and not any(isinstance(s, PerIndividual) for s in self._specs())

    def to_cohort(self):
        """The same specification as a :class:`~decisionkit.models.MarkovModel`.

        Raises if any part is a :func:`per_individual` function or attributes are updated:
        such a model has no cohort equivalent without tunnel states.
        """
        if not self.is_cohort_equivalent:
            raise ValidationError(
                "This microsimulation has no cohort equivalent: part of its specification is "
                "per individual (per_individual functions or an update of attributes). Express "
                "the dependence with tunnel states in a MarkovModel, or compare against "
                "another cohort model."
            )
        return self._spec

    @classmethod
    @validate_params()
    def from_cohort(
        cls,
        model: Any,
        *,
        absorbing: str | Sequence[str] | None = None,
        update: Callable[..., Mapping[str, np.ndarray]] | None = None,
        age_column: str | None = "age",
        sex_column: str | None = "sex",
    ) -> Microsimulation:
        """A microsimulation on the specification of a :class:`~decisionkit.models.MarkovModel`.

        The model object itself is shared (not copied); the other arguments are as in
        :class:`Microsimulation`.
        """
        if not isinstance(model, _markov().MarkovModel):
            raise fail("model", "a MarkovModel", type(model))
        self = cls.__new__(cls)
        self._spec = model
        self._set_extras(absorbing, update, age_column, sex_column)
        return self

    # ---------------------------------------------------------------- running
    @validate_params({"common_random_numbers": "boolean", "random_seed": "random_state"})
    def run(
        self,
        params: Any = None,
        *,
        population: int | pd.DataFrame = 1000,
        random_seed: int | np.random.Generator | None = None,
        common_random_numbers: bool = True,
        return_histories: bool = False,
    ) -> MicrosimulationResult:
        """Simulate a population through every strategy, for each parameter draw.

        Parameters
        ----------
        params : DataFrame or mapping, optional
            Parameter draws, one row per draw (e.g. :meth:`PSA.sample`): the outer loop.
            Omit (or pass a dict of scalars) for one parameter set.
        population : int or DataFrame
            Number of individuals, or one row per individual with their attributes (numeric
            columns, or labels such as sex); the inner loop, the same people in every draw.
        random_seed : int or numpy Generator, optional
            Seeds every random number (initial states and transitions).
        common_random_numbers : bool
            Give every strategy the same random numbers (default True).
        return_histories : bool
            Keep every individual's state at every cycle (one parameter set only).

        Returns
        -------
        MicrosimulationResult
        """
        pdict, n_draws = _markov().params_dict({} if params is None else params)
        if params is None or (isinstance(params, Mapping) and not pdict):
            n_draws = 1
        attrs, n_ind = check_population(population)
        if return_histories and n_draws > 1:
            raise ValidationError(
                f"{caller_name()}: return_histories=True keeps every individual's path and "
                "needs one "
                f"parameter set; got {n_draws} draws. Run one row of params (or none)."
            )
        rng = check_random_state(random_seed)
        gens = rng.spawn(n_draws)
        n_s, t_max, k = len(self.strategies), self.n_cycles, len(self.states)
        n_u = 1 if common_random_numbers else n_s
        chunk = max(1, min(n_draws, _CHUNK_BYTES // max(1, n_u * n_ind * t_max * 8)))
        means = np.zeros((n_draws, n_s, 3))
        cov = np.zeros((n_draws, n_s, n_s, 3))
        trace = np.zeros((n_s, t_max + 1, k))
        hist = np.zeros((n_ind if return_histories else 0, n_s, t_max + 1), dtype=np.int16)
        for lo in range(0, n_draws, chunk):
            hi = min(n_draws, lo + chunk)
            sub = {name: v[lo:hi] for name, v in pdict.items()}
            init = np.empty((hi - lo, n_ind), dtype=np.int64)
            uni = np.empty((hi - lo, n_u, n_ind, t_max))
            for d, g in enumerate(gens[lo:hi]):
                init[d] = initial_states(self._spec.initial, n_ind, g)
                g.random(out=uni[d])
            run_chunk = self._chunk_general if self._per_individual(attrs) else self._chunk_matrix
            m, c, tr = run_chunk(sub, hi - lo, attrs, n_ind, init, uni, hist)
            means[lo:hi], cov[lo:hi] = m, c
            trace += tr
        return self._result(pdict, n_draws, n_ind, means, cov, trace, hist, common_random_numbers)

    def _per_individual(self, attrs: Mapping[str, np.ndarray]) -> bool:
        """Whether this run needs the per-individual path (else one compiled pass)."""
        if not self.is_cohort_equivalent:
            return True
        # background mortality read at each individual's own age or sex
        own = [c for c in (self.age_column, self.sex_column) if c is not None and c in attrs]
        return self._spec.background_mortality is not None and bool(own)

    # ---------------------------------------------------------------- compiled path
    def _chunk_matrix(self, params, n_d, attrs, n_ind, init, uni, hist):
        spec = self._spec
        n_s, t_max, k = len(self.strategies), self.n_cycles, len(self.states)
        w_cost, w_qaly, w_ly = spec._reward_weights()
        w_tc = spec._transition_cost_discount()
        p = np.empty((n_s, n_d, t_max, k, k))
        cost = np.empty((n_s, n_d, t_max + 1, k))
        util = np.zeros((n_s, n_d, t_max + 1, k))
        has_tc = spec.transition_costs is not None
        tcost = np.zeros((n_s, n_d, t_max, k, k) if has_tc else (1, 1, 1, 1, 1))
        for j, strat in enumerate(self.strategies):
            for t in range(t_max + 1):
                cost[j, :, t] = spec._state_costs(strat, params, t, (n_d, k), w_cost)
                if w_qaly[t] != 0:
                    u = spec._eval(
                        spec.state_utilities, strat, params, t, (n_d, k), "state_utilities"
                    )
                    util[j, :, t] = w_qaly[t] * u
                if t == t_max:
                    break
                p[j, :, t] = spec._transition(strat, params, t, n_d)
                if has_tc:
                    tcost[j, :, t] = w_tc[t] * spec._transition_costs(strat, params, t, n_d)
        stay = np.diagonal(p, axis1=-2, axis2=-1)  # (S, D, T, k)
        self._check_exits(stay.reshape(n_s, -1, k) < 1 - spec.tol, np.ones(k, bool))
        ly = w_ly[:, None] * spec._alive[None, :]
        per = int(np.ceil(n_ind / _BLOCK))
        block_draw = np.repeat(np.arange(n_d), per)
        block_lo = np.tile(np.arange(per) * _BLOCK, n_d)
        block_hi = np.minimum(block_lo + _BLOCK, n_ind)
        n_b = block_draw.size
        sums = np.zeros((n_b, n_s, 3))
        cross = np.zeros((n_b, n_s, n_s, 3))
        trace = np.zeros((n_b, n_s, t_max + 1, k), dtype=np.int64)
        _engine.simulate_matrix(
            _engine.cumulative_rows(p),
            cost,
            util,
            ly,
            tcost,
            init,
            uni,
            block_draw,
            block_lo,
            block_hi,
            sums,
            cross,
            trace,
            hist,
        )
        starts = np.arange(0, n_b, per)
        s_d = np.add.reduceat(sums, starts, axis=0)
        x_d = np.add.reduceat(cross, starts, axis=0)
        mean = s_d / n_ind
        cov = (x_d - n_ind * mean[:, :, None, :] * mean[:, None, :, :]) / max(n_ind - 1, 1)
        return mean, cov, trace.sum(axis=0)

    # ---------------------------------------------------------------- general path
    def _chunk_general(self, params, n_d, attrs, n_ind, init, uni, hist):
        spec = self._spec
        n_s, t_max, k = len(self.strategies), self.n_cycles, len(self.states)
        w_cost, w_qaly, w_ly = spec._reward_weights()
        w_tc = spec._transition_cost_discount()
        rows = n_d * n_ind
        draw = np.repeat(np.arange(n_d), n_ind)
        idx = np.arange(rows)
        p_ind = {name: v[draw] for name, v in params.items()}
        tot = np.zeros((rows, n_s, 3))
        trace = np.zeros((n_s, t_max + 1, k))
        exits = np.zeros((n_s, k), bool)
        occupied = np.zeros(k, bool)
        new = np.empty(rows, dtype=np.int64)
        age = self.age_column
        for j, strat in enumerate(self.strategies):
            su = 0 if uni.shape[1] == 1 else j
            state = init.ravel().astype(np.int64)
            tis = np.zeros(rows, dtype=np.int64)
            visits = np.zeros((rows, k), dtype=np.int64)
            visits[idx, state] = 1
            cur = {name: np.tile(v, n_d) for name, v in attrs.items()}
            u_s = np.ascontiguousarray(uni[:, su].transpose(2, 0, 1)).reshape(t_max, rows)
            for t in range(t_max + 1):
                counts = np.bincount(state, minlength=k)
                trace[j, t] += counts
                if hist.shape[0]:
                    hist[:, j, t] = state
                ind = Individuals(state, tis, visits, draw, cur, self.states)
                for name, cspec in spec.cost_components.items():
                    if w_cost[name][t] != 0:
                        c = self._reward(cspec, ind, params, p_ind, t, strat, "state costs")
                        tot[:, j, 0] += w_cost[name][t] * c
                if w_qaly[t] != 0:
                    u = self._reward(
                        spec.state_utilities, ind, params, p_ind, t, strat, "state_utilities"
                    )
                    tot[:, j, 1] += w_qaly[t] * u
                tot[:, j, 2] += w_ly[t] * spec._alive[state]
                if t == t_max:
                    break
                prob = self._rows(spec.transition, ind, params, p_ind, t, strat, n_d)
                if spec.background_mortality is not None:
                    check_rows(prob, ind, spec._cycle_time(t), strat, spec.tol)
                    prob = self._background(prob, ind, cur, t)
                occupied |= counts > 0
                prob = np.ascontiguousarray(prob, dtype=float)
                bad = _engine.sample_rows(prob, u_s[t], state, spec.tol, new, exits[j])
                if bad >= 0:  # explain the first invalid row (check_rows raises)
                    check_rows(prob, ind, spec._cycle_time(t), strat, spec.tol)
                if spec.transition_costs is not None:
                    tc = self._rows(spec.transition_costs, ind, params, p_ind, t, strat, n_d)
                    tot[:, j, 0] += w_tc[t] * tc[idx, new]
                moved = new != state
                tis = np.where(moved, 0, tis + 1)
                visits[idx[moved], new[moved]] += 1
                state = new.copy()
                if age is not None and age in cur:
                    cur[age] = cur[age] + self.cycle_length
                if self.update is not None:
                    ind = Individuals(state, tis, visits, draw, cur, self.states)
                    cur = check_updates(self.update(ind, p_ind, t, strat), cur, t, strat)
        self._check_exits(exits, occupied)
        x = tot.reshape(n_d, n_ind, n_s, 3)
        mean = x.mean(axis=1)
        centred = x - mean[:, None]
        cov = np.einsum("dism,dirm->dsrm", centred, centred) / max(n_ind - 1, 1)
        return mean, cov, trace

    def _background(self, prob, ind, cur, t) -> np.ndarray:
        """Add background mortality at each individual's own age and sex (competing risks)."""
        spec = self._spec
        if spec.background_mortality is None:
            return prob
        age = cur.get(self.age_column) if self.age_column else None
        sex = cur.get(self.sex_column) if self.sex_column else None
        q = spec.background_probability(t, age=age, sex=sex)
        q = np.broadcast_to(q, (ind.n,))
        out = (1.0 - q)[:, None] * prob
        out[:, self.states.index(spec.dead[0])] += q
        in_dead = np.isin(ind.state, [self.states.index(d) for d in spec.dead])
        out[in_dead] = prob[in_dead]
        return out

    def _reward(self, spec, ind, params, p_ind, t, strat, what) -> np.ndarray:
        fn = spec[strat] if isinstance(spec, dict) else spec
        if isinstance(fn, PerIndividual):
            value = np.asarray(fn(ind, p_ind, self._spec._value_time(t), strat), dtype=float)
            if value.shape not in ((ind.n,), ()):
                raise ValidationError(
                    f"Microsimulation: the per-individual {what} of strategy {strat!r} at cycle "
                    f"{t} has shape {value.shape}; expected ({ind.n},), the value of each "
                    "individual's current state."
                )
            value = np.broadcast_to(value, (ind.n,))
            finite_or_raise(value, f"Microsimulation: {what} of strategy {strat!r} at cycle {t}")
            return value
        n_d = int(ind.draw.max()) + 1 if ind.n else 1
        table = self._spec._eval(spec, strat, params, t, (n_d, len(self.states)), what)
        return table[ind.draw, ind.state]

    def _rows(self, spec, ind, params, p_ind, t, strat, n_d) -> np.ndarray:
        fn = spec[strat] if isinstance(spec, dict) else spec
        k = len(self.states)
        if isinstance(fn, PerIndividual):
            value = np.asarray(fn(ind, p_ind, self._spec._cycle_time(t), strat), dtype=float)
            if value.shape != (ind.n, k):
                raise ValidationError(
                    f"Microsimulation: a per-individual function of strategy {strat!r} at cycle "
                    f"{t} returned shape {value.shape}; expected ({ind.n}, {k}): for each "
                    "individual, one value per destination state."
                )
            return value
        if spec is self._spec.transition:
            mat = self._spec._transition(strat, params, t, n_d, background=False)
        else:
            mat = self._spec._transition_costs(strat, params, t, n_d)
        return mat[ind.draw, ind.state]

    def _check_exits(self, exits: np.ndarray, occupied: np.ndarray) -> None:
        """Every occupied state outside ``dead``/``absorbing`` must have an exit."""
        dead = set(self._spec.dead)
        for j, strat in enumerate(self.strategies):
            has = exits[j] if exits.ndim == 2 else exits[j].any(axis=0)
            for i, name in enumerate(self.states):
                if name in dead and has[i]:
                    raise ValidationError(
                        f"Microsimulation: dead state {name!r} can be left under strategy "
                        f"{strat!r}; a dead state must keep everyone (row [0, ..., 1, ..., 0])."
                    )
                if name not in dead and name not in self.absorbing and occupied[i] and not has[i]:
                    raise ValidationError(
                        f"Microsimulation: state {name!r} has no exit under strategy {strat!r} "
                        "in any cycle, so nobody in it ever dies or moves. Give it an exit "
                        f"(e.g. background mortality to the dead state), or list it in "
                        "absorbing=[...] (or dead=[...]) if it is meant to keep everyone."
                    )

    # ---------------------------------------------------------------- result
    def _result(self, pdict, n_draws, n_ind, means, cov, trace, hist, crn):
        values = xr.Dataset(
            {m: (("draw", "action"), means[..., i]) for i, m in enumerate(METRICS)},
            coords={"draw": np.arange(n_draws), "action": self.strategies},
        )
        times = np.arange(self.n_cycles + 1) * self.cycle_length
        mean_trace = xr.DataArray(
            trace / (n_ind * n_draws),
            dims=("strategy", "cycle", "state"),
            coords={
                "strategy": self.strategies,
                "cycle": np.arange(self.n_cycles + 1),
                "state": self.states,
                "time": ("cycle", times),
            },
        )
        inputs = pd.DataFrame({name: np.array(v) for name, v in pdict.items()})
        if inputs.empty:
            inputs = pd.DataFrame(index=pd.RangeIndex(n_draws))
        return MicrosimulationResult(
            values=values,
            covariance=cov,
            inputs=inputs,
            mean_trace=mean_trace,
            histories=hist if hist.shape[0] else None,
            n_individuals=n_ind,
            cycle_length=self.cycle_length,
            common_random_numbers=crn,
        )

    def __repr__(self) -> str:
        kind = "cohort-equivalent" if self.is_cohort_equivalent else "per-individual"
        return (
            f"Microsimulation(states={self.states}, strategies={self.strategies}, "
            f"n_cycles={self.n_cycles}, cycle_length={self.cycle_length:g}, {kind})"
        )
