r"""Partitioned survival model (area under the curve), vectorised over PSA draws.

Ordered endpoints :math:`S_1(t) \le S_2(t) \le \dots \le S_m(t)` (e.g. PFS <= OS) split the
cohort into ``m + 1`` states: the first state holds :math:`S_1(t)`, state ``j`` holds
:math:`S_{j+1}(t) - S_j(t)` and the last (dead) state :math:`1 - S_m(t)`. Each endpoint of
each strategy has its own survival draws (any distribution, per arm and endpoint).

Discounted years in a state are :math:`Y_j = \int_0^H \mathrm{occ}_j(t)\, (1+r)^{-t}\, dt`;
QALYs are :math:`\sum_j u_j Y_j^{(e)}` and costs :math:`\sum_j c_j Y_j^{(c)}` with annual
rates ``c_j``, plus one-off and time-since-entry costs. The integral is computed

===============  ======================================================================
``exact``        composite 4-point Gauss-Legendre on every cycle (error ~1e-10 for smooth
                 curves; exact to rounding for the exponential closed form below)
``half-cycle``   trapezoid on the cycle grid (life-table method)
``simpson``      Simpson's rule on the grid (Elbasha & Chhatwal 2016)
``none``/``end`` occupancy counted at the start / end of each cycle
===============  ======================================================================

The grid weights are :func:`decisionkit.models.cohort.markov.within_cycle_weights`, shared with the
Markov model. For exponential endpoints with rates :math:`\lambda_1 > \lambda_2` and
:math:`\delta = \ln(1 + r)`, :math:`Y_0 = 1/(\lambda_1+\delta)` and
:math:`Y_1 = 1/(\lambda_2+\delta) - 1/(\lambda_1+\delta)` over an infinite horizon.

What a partitioned survival model can and cannot say
----------------------------------------------------
It has occupancies, not transitions. Entries into state ``j >= 1`` are taken as the events
of endpoint ``j``, :math:`-dS_j(t)`: every patient passing endpoint ``j`` counts as entering
state ``j``, so with PFS and OS the deaths before progression count as progressions
(scale the cost by the share of PFS events that were progressions if the trial reports
it). One-off ``entry_costs`` are charged on these entries (for the dead state they are
end-of-life costs). ``time_costs`` depend on time since entry: in the first state, entered
by everyone at time 0, they are exact (e.g. a drug given for a fixed number of cycles while
progression-free). In a later state the model cannot know when each patient leaves it, so
each entrant is charged the whole schedule from its entry (mid-cycle) to the horizon with no
attrition, an upper bound; keep such schedules short (a course of second-line treatment).

Curves that cross (PFS above OS in some draws, common with independently fitted
extrapolations) are constrained, :math:`S_j \leftarrow \min(S_j, S_{j+1})` from the
outermost endpoint inwards, with an :class:`~decisionkit.exceptions.EstimationWarning`
saying in how many draws and from what time; :attr:`PartitionedSurvivalResult.crossings`
keeps the counts.

References
----------
.. [1] Woods B, Sideris E, Palmer S, Latimer N, Soares M. NICE DSU Technical Support Document
   19: Partitioned survival analysis for decision modelling in health care. 2017.
.. [2] Williams C, Lewsey JD, Mackay DF, Briggs AH. Estimation of survival probabilities for
   use in cost-effectiveness analyses: a comparison of a multi-state modeling survival
   analysis approach with partitioned survival and Markov decision-analytic modeling.
   *Med Decis Making* 2017;37(4):427-439.
.. [3] Elbasha EH, Chhatwal J. Theoretical foundations and practical applications of
   within-cycle correction methods. *Med Decis Making* 2016;36(1):115-131.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    Interval,
    caller_name,
    check_in,
    check_names,
    check_number,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.exceptions import EstimationWarning, ValidationError
from decisionkit.models.cohort.markov import within_cycle_weights
from decisionkit.models.survival._psm_inputs import (
    curves_for,
    evaluate_schedule,
    evaluate_value,
    params_frame,
)
from decisionkit.models.survival._psm_result import PartitionedSurvivalResult, name_parameters

__all__ = ["PartitionedSurvivalModel"]

_METHODS = ("exact", "half-cycle", "simpson", "none", "end")
_GL_X, _GL_W = np.polynomial.legendre.leggauss(4)
_DEFAULT_STATES: dict[tuple[str, ...], list[str]] = {
    ("PFS", "OS"): ["Progression-free", "Progressed", "Dead"]
}


class PartitionedSurvivalModel:
    r"""A partitioned survival (area-under-the-curve) cohort model.

    Parameters
    ----------
    endpoints : sequence of str
        Survival endpoints from the innermost to the outermost, e.g. ``["PFS", "OS"]``;
        their curves must satisfy ``S_1 <= S_2 <= ...`` (crossings are constrained).
    states : sequence of str, optional
        ``len(endpoints) + 1`` state names, the last one dead. Default for PFS/OS:
        ``["Progression-free", "Progressed", "Dead"]``, otherwise ``"before <endpoint>"``...
    strategies : sequence of str
        Strategy (decision option) names.
    horizon : float
        Time horizon in years, a whole number of cycles.
    cycle_length : float
        Cycle length in years (default 1/12, monthly).
    method : {"half-cycle", "exact", "simpson", "none", "end"}
        How occupancy is integrated (module documentation).
    state_costs, state_utilities : mapping of state to value, optional
        Annual cost and utility in each state (unlisted states: 0). A value is a number, the
        name of a ``params`` column, one value per draw, a callable ``f(params, strategy)``
        or a dict ``{strategy: value}``.
    entry_costs : mapping of state to value, optional
        One-off cost at entry to a state (first state: at time 0; dead: end-of-life cost).
    time_costs : mapping of state to schedule, optional
        Annual cost rate by time since entry: ``(rate, duration_years)`` or a callable
        ``f(tau, params, strategy)`` returning rates at the times since entry ``tau``
        (years), or a dict by strategy. Not for the dead state. See the approximation above.
    discount_cost, discount_effect : float
        Annual discount rates, applied continuously as :math:`(1+r)^{-t}` (default 0.035).

    Examples
    --------
    >>> import numpy as np
    >>> psm = PartitionedSurvivalModel(
    ...     ["PFS", "OS"], strategies=["Only"], horizon=30, method="exact",
    ...     state_utilities={"Progression-free": 0.8, "Progressed": 0.6},
    ...     discount_cost=0, discount_effect=0)
    >>> pfs, os_ = np.exp(-3 * psm.times), np.exp(-1 * psm.times)
    >>> res = psm.run({"Only": {"PFS": pfs, "OS": os_}}, n_draws=2)
    >>> round(float(res.summary.loc["Only", "qaly"]), 6)  # 0.8/3 + 0.6 (1 - 1/3)
    0.666667
    """

    @validate_params()
    def __init__(
        self,
        endpoints: Sequence[str] = ("PFS", "OS"),
        *,
        states: Sequence[str] | None = None,
        strategies: Sequence[str],
        horizon: float,
        cycle_length: float = 1 / 12,
        method: str = "half-cycle",
        state_costs: Mapping[str, Any] | None = None,
        state_utilities: Mapping[str, Any] | None = None,
        entry_costs: Mapping[str, Any] | None = None,
        time_costs: Mapping[str, Any] | None = None,
        discount_cost: float = 0.035,
        discount_effect: float = 0.035,
    ) -> None:
        self.endpoints = check_names(endpoints, "endpoints")
        if not self.endpoints:
            raise fail("endpoints", "at least one endpoint name", endpoints)
        default = _DEFAULT_STATES.get(tuple(self.endpoints))
        if states is None:
            states = default or [f"before {e}" for e in self.endpoints] + ["Dead"]
        self.states = check_names(states, "states")
        if len(self.states) != len(self.endpoints) + 1:
            raise fail(
                "states",
                f"{len(self.endpoints) + 1} names (one more than the endpoints, the last dead)",
                states,
            )
        self.strategies = check_names(strategies, "strategies")
        if not self.strategies:
            raise fail("strategies", "at least one strategy name", strategies)
        self.cycle_length = check_number(cycle_length, "cycle_length", low=0.0, low_inclusive=False)
        self.horizon = check_number(horizon, "horizon", low=0.0, low_inclusive=False)
        n = round(self.horizon / self.cycle_length)
        if n < 1 or abs(n * self.cycle_length - self.horizon) > 1e-6 * self.cycle_length:
            raise fail(
                "horizon",
                f"a whole number of cycles of {self.cycle_length:g} years",
                horizon,
                hint="Round it to a multiple of cycle_length.",
            )
        self.n_cycles = int(n)
        self.method = check_in(method, _METHODS, "method")
        self.discount_cost = check_number(discount_cost, "discount_cost", low=0.0)
        self.discount_effect = check_number(discount_effect, "discount_effect", low=0.0)
        self.state_costs = self._per_state(state_costs, "state_costs")
        self.state_utilities = self._per_state(state_utilities, "state_utilities")
        self.entry_costs = self._per_state(entry_costs, "entry_costs")
        self.time_costs = self._per_state(time_costs, "time_costs")
        if self.states[-1] in self.time_costs:
            raise ValidationError(
                f"{caller_name()}: time_costs cannot be given for the dead state "
                f"{self.states[-1]!r}; "
                "use entry_costs for a one-off end-of-life cost."
            )
        self._build_times()

    def _per_state(self, spec: Mapping[str, Any] | None, name: str) -> dict:
        if spec is None:
            return {}
        if not isinstance(spec, Mapping):
            raise fail(name, "a dict {state: value}", type(spec).__name__)
        unknown = [k for k in spec if k not in self.states]
        if unknown:
            raise ValidationError(
                f"The '{name}' parameter of {caller_name()} names unknown state(s) {unknown}; the "
                f"states are {self.states}."
            )
        return dict(spec)

    def _build_times(self) -> None:
        h, n = self.cycle_length, self.n_cycles
        grid = np.arange(n + 1) * h
        if self.method == "exact":
            nodes = grid[:-1, None] + h * (_GL_X[None, :] + 1) / 2  # (n, 4)
            times = np.concatenate([np.column_stack([grid[:-1], nodes]).ravel(), grid[-1:]])
            step = _GL_X.size + 1
            self._grid_idx = np.arange(n + 1) * step
            node_idx = (np.arange(n)[:, None] * step + 1 + np.arange(_GL_X.size)).ravel()
            self._node_idx: np.ndarray | None = node_idx
            quad = np.zeros(times.size)
            quad[node_idx] = np.tile(_GL_W * h / 2, n)
        else:
            times = grid
            self._grid_idx = np.arange(n + 1)
            self._node_idx = None
            quad = within_cycle_weights(n, self.method) * h
        self._times = times
        self._quad = quad  # integration weights before discounting

    @property
    def times(self) -> np.ndarray:
        """Times (years) at which every endpoint's survival is needed (a copy)."""
        return self._times.copy()

    @property
    def grid(self) -> np.ndarray:
        """The cycle grid ``0, h, ..., horizon`` (years)."""
        return self._times[self._grid_idx]

    # ------------------------------------------------------------------ running
    @validate_params(
        {"time_scale": Interval(0.0, None, closed="right"), "random_seed": "random_state"}
    )
    def run(
        self,
        survival: Mapping[str, Mapping[str, Any]],
        *,
        params: pd.DataFrame | Mapping[str, Any] | None = None,
        n_draws: int | None = None,
        random_seed: Any = None,
        time_scale: float = 1.0,
    ) -> PartitionedSurvivalResult:
        """Compute state occupancy, costs and QALYs for every draw and strategy.

        Parameters
        ----------
        survival : dict
            ``{strategy: {endpoint: source}}``. A source is a ``SurvivalDraws`` at
            :attr:`times` (or a superset), a fitted model with ``draw_survival``, a pair
            ``(fitted_model, covariates)``, or an array of ``S(t)`` at :attr:`times`, shape
            ``(n_draws, n_times)`` or ``(n_times,)`` (one curve for every draw).
        params : DataFrame, optional
            Other PSA inputs (costs, utilities ...), one row per draw; referred to by name
            in the value specs and attached to the outcomes for EVPPI.
        n_draws : int, optional
            Number of draws when no array, ``SurvivalDraws`` or ``params`` sets it.
        random_seed : int or numpy.random.Generator, optional
            Seeds the fitted models' ``draw_survival``; one seed per model object, so arms
            drawn from one model with different covariates share its parameter draws.
        time_scale : float
            Time units of the survival sources per year: 12 if the models were fitted (or
            the ``SurvivalDraws`` made) in months, 52 in weeks. The model works in years.

        Returns
        -------
        PartitionedSurvivalResult
        """
        survival = self._check_survival_arg(survival)
        other = params_frame(params)
        n = self._n_draws(survival, other, n_draws)
        scale = float(time_scale)
        rng = check_random_state(random_seed)
        seeds: dict[int, int] = {}
        for strategy in self.strategies:
            for source in survival[strategy].values():
                model = source[0] if isinstance(source, tuple) else source
                if hasattr(model, "draw_survival") and id(model) not in seeds:
                    seeds[id(model)] = int(rng.integers(0, 2**32))
        pdict = {} if other is None else {c: other[c].to_numpy(float) for c in other.columns}
        k = len(self.states)
        n_s = len(self.strategies)
        years_e, years_c = np.zeros((n, n_s, k)), np.zeros((n, n_s, k))
        cost = np.zeros((n, n_s))
        mean_occ = np.zeros((n_s, self.n_cycles + 1, k))
        crossings: list[Any] = []
        frames: list[pd.DataFrame] = []
        d_e = (1 + self.discount_effect) ** -self._times
        d_c = (1 + self.discount_cost) ** -self._times
        w = np.column_stack([self._quad * d_e, self._quad * d_c])  # (n_times, 2)
        for j, strategy in enumerate(self.strategies):
            where = f"strategy {strategy!r}"
            curves = curves_for(
                survival[strategy],
                times=self._times * scale,
                n_draws=n,
                seeds=seeds,
                where=where,
            )
            frames.extend(
                (strategy, e, c.parameters) for e, c in zip(self.endpoints, curves, strict=True)
            )
            surv = self._constrain([c.survival for c in curves], strategy, crossings)
            integ = np.stack([s @ w for s in surv], axis=1)  # (n, m, 2): discounted areas
            total = w.sum(axis=0)
            bounds = np.concatenate(
                [np.zeros((n, 1, 2)), integ, np.broadcast_to(total, (n, 1, 2))], 1
            )
            years = np.diff(bounds, axis=1)  # (n, k, 2)
            years_e[:, j], years_c[:, j] = years[..., 0], years[..., 1]
            cost[:, j] = self._costs(surv, years[..., 1], integ[..., 1], d_c, pdict, strategy, n)
            grid_s = [s.mean(axis=0)[self._grid_idx] for s in surv]
            edges = [np.zeros_like(grid_s[0]), *grid_s, np.ones_like(grid_s[0])]
            mean_occ[j] = np.diff(np.stack(edges, axis=1), axis=1)
            del curves, surv  # free this strategy's curves before drawing the next
        qaly = np.zeros((n, n_s))
        for j, strategy in enumerate(self.strategies):
            for i, state in enumerate(self.states):
                if state in self.state_utilities:
                    u = evaluate_value(
                        self.state_utilities[state],
                        pdict,
                        strategy,
                        n,
                        f"state_utilities[{state!r}]",
                    )
                    qaly[:, j] += u * years_e[:, j, i]
        inputs, groups = name_parameters(frames, other, self.endpoints)
        return PartitionedSurvivalResult.build(
            cost=cost,
            qaly=qaly,
            years=years_e,
            mean_occupancy=mean_occ,
            inputs=inputs,
            parameter_groups=groups,
            crossings=pd.DataFrame(crossings),
            strategies=self.strategies,
            states=self.states,
            endpoints=self.endpoints,
            grid=self.grid,
            method=self.method,
            cycle_length=self.cycle_length,
        )

    def _check_survival_arg(self, survival: Any) -> dict:
        if not isinstance(survival, Mapping):
            raise fail("survival", "a dict {strategy: {endpoint: source}}", type(survival).__name__)
        missing = [s for s in self.strategies if s not in survival]
        extra = [s for s in survival if s not in self.strategies]
        if missing or extra:
            raise ValidationError(
                f"The 'survival' parameter of {caller_name()} must have one entry per strategy "
                f"{self.strategies}; missing {missing}, unknown {extra}."
            )
        out = {}
        for s in self.strategies:
            per = survival[s]
            if not isinstance(per, Mapping):
                raise fail(f"survival[{s!r}]", "a dict {endpoint: source}", type(per).__name__)
            missing = [e for e in self.endpoints if e not in per]
            extra = [e for e in per if e not in self.endpoints]
            if missing or extra:
                raise ValidationError(
                    f"The 'survival[{s!r}]' parameter of {caller_name()} must have one source per "
                    f"endpoint {self.endpoints}; missing {missing}, unknown {extra}."
                )
            out[s] = {e: per[e] for e in self.endpoints}
        return out

    def _n_draws(self, survival: dict, other: pd.DataFrame | None, n_draws: Any):
        sizes: dict[str, int] = {}
        if other is not None:
            sizes["params"] = len(other)
        if n_draws is not None:
            sizes["n_draws"] = check_number(n_draws, "n_draws", low=2, integer=True)
        for s, per in survival.items():
            for e, src in per.items():
                if hasattr(src, "draw_survival") or isinstance(src, tuple):
                    continue
                arr = src.survival if hasattr(src, "survival") else src
                shape = np.shape(arr)
                if len(shape) == 2 and shape[0] > 1:
                    sizes[f"survival[{s!r}][{e!r}]"] = shape[0]
        if not sizes:
            raise ValidationError(
                f"{caller_name()} cannot tell how many draws to make: pass n_draws (or params, or "
                "survival draws as arrays)."
            )
        if len(set(sizes.values())) > 1:
            raise ValidationError(
                f"{caller_name()}: the inputs disagree on the number of draws {sizes}. Give every "
                "source, params and n_draws the same number."
            )
        n = next(iter(sizes.values()))
        if n < 2:
            raise ValidationError(
                f"{caller_name()} needs at least 2 draws (got {n}); for a deterministic run "
                "pass one "
                "curve per endpoint and n_draws=2."
            )
        return n

    def _constrain(self, surv: list[np.ndarray], strategy: str, record: list) -> list[np.ndarray]:
        """Enforce S_1 <= ... <= S_m from the outermost curve inwards; warn and count."""
        out = list(surv)
        for i in range(len(out) - 2, -1, -1):
            over = out[i] > out[i + 1] + 1e-12
            crossed = over.any(axis=1)
            n_cross = int(crossed.sum())
            if not n_cross:
                continue
            first = self._times[np.argmax(over[crossed], axis=1)]
            inner, outer = self.endpoints[i], self.endpoints[i + 1]
            record.append(
                {
                    "strategy": strategy,
                    "endpoint": inner,
                    "above": outer,
                    "n_draws": n_cross,
                    "share": n_cross / over.shape[0],
                    "first_time": float(first.min()),
                    "median_first_time": float(np.median(first)),
                }
            )
            warnings.warn(
                f"{inner} lies above {outer} in {n_cross} of {over.shape[0]} draws of strategy "
                f"{strategy!r}, from t = {first.min():.3g} years at the earliest (median "
                f"{np.median(first):.3g}). {inner} was set to {outer} where it was above, so "
                f"the state between them is empty there. Check the two extrapolations.",
                EstimationWarning,
                stacklevel=3,
            )
            out[i] = np.minimum(out[i], out[i + 1])
        return out

    def _costs(self, surv, years_c, integ_c, d_c, pdict, strategy, n) -> np.ndarray:
        """State, entry and time-since-entry costs of one strategy, shape (n,)."""
        total = np.zeros(n)
        for i, state in enumerate(self.states):
            if state in self.state_costs:
                c = evaluate_value(
                    self.state_costs[state],
                    pdict,
                    strategy,
                    n,
                    f"state_costs[{state!r}]",
                )
                total += c * years_c[:, i]
            if state in self.entry_costs:
                c = evaluate_value(
                    self.entry_costs[state],
                    pdict,
                    strategy,
                    n,
                    f"entry_costs[{state!r}]",
                )
                total += c * self._entries(surv, i, integ_c, d_c)
            if state in self.time_costs:
                total += self._time_cost(surv, i, d_c, pdict, strategy, n)
        return total

    def _on_grid(self, per_cycle: np.ndarray, start: float, end: float) -> np.ndarray:
        """Weights over ``times`` so that ``S @ v = sum_k (start S_k + end S_{k+1}) c_k``."""
        v = np.zeros(self._times.size)
        v[self._grid_idx[:-1]] += start * per_cycle
        v[self._grid_idx[1:]] += end * per_cycle
        return v

    def _entries(self, surv, i, integ_c, d_c) -> np.ndarray:
        """Discounted entries into state i: S_1(0) for the first, -dS_i after."""
        if i == 0:
            return surv[0][:, 0].copy()
        s = surv[i - 1]
        if self.method == "exact":  # integration by parts of -S'(t) (1+r)^-t
            delta = np.log1p(self.discount_cost)
            return s[:, 0] - s[:, -1] * d_c[-1] - delta * integ_c[:, i - 1]
        # sum_k (S_k - S_{k+1}) d(mid_k): linear in S, one matrix-vector product
        return s @ self._on_grid(self._d_mid(), 1.0, -1.0)

    def _d_mid(self) -> np.ndarray:
        mid = (np.arange(self.n_cycles) + 0.5) * self.cycle_length
        return (1 + self.discount_cost) ** -mid

    def _time_cost(self, surv, i, d_c, pdict, strategy, n) -> np.ndarray:
        what = f"time_costs[{self.states[i]!r}]"
        spec = self.time_costs[self.states[i]]
        h, nc = self.cycle_length, self.n_cycles
        if i == 0 and self.method == "exact":
            idx = self._node_idx
            factor, rate = evaluate_schedule(spec, self._times[idx], pdict, strategy, n, what)
            w = self._quad[idx] * d_c[idx]
            s = surv[0][:, idx]
            return factor * (s @ (rate * w) if rate.ndim == 1 else (s * rate) @ w)
        mid = (np.arange(nc) + 0.5) * h
        factor, rate = evaluate_schedule(spec, mid, pdict, strategy, n, what)
        per_cycle = rate * h * self._d_mid()  # (nc,) or (n, nc)
        if i == 0:  # entered by everyone at t = 0: occupancy known, time since entry = t
            a, b = {"none": (1.0, 0.0), "end": (0.0, 1.0)}.get(self.method, (0.5, 0.5))
            if per_cycle.ndim == 1:
                return factor * (surv[0] @ self._on_grid(per_cycle, a, b))
            g = surv[0][:, self._grid_idx]
            return factor * ((a * g[:, :-1] + b * g[:, 1:]) * per_cycle).sum(axis=1)
        # later states: entrants of cycle k (at mid-cycle) pay the schedule to the horizon
        paid = np.cumsum(per_cycle, axis=-1)[..., ::-1]  # paid[k]: the first nc - k cycles
        if paid.ndim == 1:
            return factor * (surv[i - 1] @ self._on_grid(self._d_mid() * paid, 1.0, -1.0))
        g = surv[i - 1][:, self._grid_idx]
        return factor * ((g[:, :-1] - g[:, 1:]) * self._d_mid() * paid).sum(axis=1)

    def __repr__(self) -> str:
        return (
            f"PartitionedSurvivalModel(endpoints={self.endpoints}, states={self.states}, "
            f"strategies={self.strategies}, horizon={self.horizon:g}, "
            f"cycle_length={self.cycle_length:g}, method={self.method!r})"
        )
