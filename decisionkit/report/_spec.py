r"""A Markov cohort model written as expressions: one definition, run in numpy and in Excel.

:class:`MarkovSpec` states a cohort model the way a reviewer reads it (each transition
probability, state cost and state utility an expression of named parameters and the model
time ``t``) and builds from it both a :class:`~decisionkit.models.MarkovModel` (vectorised
over PSA draws) and, through :func:`decisionkit.report.to_excel`, a workbook whose trace is
live formulas referring to the input cells.

Model time ``t`` (1-based, heemod's ``model_time``): the transition probabilities of cycle
``t`` move the cohort from trace point ``t - 1`` to ``t``; state values are evaluated at
trace point ``t`` (``t = 0`` is the start). With ``within_cycle="end"`` and a one-year
cycle this is the convention of Briggs et al. (2006) Example 2.5: values counted at the end
of each cycle, costs discounted by :math:`(1 + r)^{-t}`.

References
----------
.. [1] Briggs A, Claxton K, Sculpher M. *Decision Modelling for Health Economic Evaluation*.
   Oxford University Press; 2006. Chapter 2 (Example 2.5, the HIV model of Chancellor et al.
   1997, built in Excel).
.. [2] Filipović-Pierucci A, Zarca K, Durand-Zaleski I. Markov models for health economic
   evaluations: the R package heemod. arXiv:1702.03252 (2017).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import check_names, check_number, fail, validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.report._expr import Expression

__all__ = ["COMPLEMENT", "MarkovSpec"]

COMPLEMENT = "C"
"""Marks the transition probability that is one minus the others in its row."""

_RESERVED = {"t", COMPLEMENT}


class MarkovSpec:
    r"""A Markov cohort model stated as expressions of parameters and the model time ``t``.

    Parameters
    ----------
    states : sequence of str
        State names.
    strategies : sequence of str
        Strategy names.
    parameters : mapping of str to float
        Deterministic parameter values (the workbook's input cells). Names must be valid
        identifiers and not ``t`` or ``C``.
    transition : nested list, or mapping of strategy to nested list
        ``n_states x n_states`` expressions (strings or numbers); row ``i`` gives the
        probabilities of moving from state ``i`` during cycle ``t``. At most one entry per row
        may be ``"C"``, the complement (one minus the others). A single matrix is shared by
        all strategies.
    state_costs, state_utilities : list, or mapping of strategy to list
        One expression per state: annual cost and annual utility (use 1 for alive states and
        0 for dead ones to count life years as the effect).
    initial : sequence of float
        Starting proportions per state (default everyone in the first state).
    n_cycles : int
        Number of cycles.
    cycle_length : float
        Cycle length in years.
    discount_cost, discount_effect : float
        Annual discount rates.
    within_cycle : {"half-cycle", "simpson", "none", "end"}
        Within-cycle correction (see :class:`~decisionkit.models.MarkovModel`).
    dead : str or sequence of str, optional
        States that do not count towards life years.

    Examples
    --------
    >>> spec = MarkovSpec(["Alive", "Dead"], strategies=["Care"], parameters={"p_die": 0.1},
    ...                   transition=[["C", "p_die"], [0, 1]], state_costs=[100, 0],
    ...                   state_utilities=[1, 0], n_cycles=10, discount_cost=0,
    ...                   discount_effect=0, within_cycle="none", dead="Dead")
    >>> round(float(spec.run().mean()["life_years"][0]), 4)
    6.5132
    """

    @validate_params()
    def __init__(
        self,
        states: Sequence[str],
        *,
        strategies: Sequence[str],
        parameters: Mapping[str, float],
        transition: Any,
        state_costs: Any,
        state_utilities: Any,
        initial: Sequence[float] | None = None,
        n_cycles: int,
        cycle_length: float = 1.0,
        discount_cost: float = 0.035,
        discount_effect: float = 0.035,
        within_cycle: str = "half-cycle",
        dead: str | Sequence[str] | None = None,
    ) -> None:
        self.states = check_names(states, "states")
        self.strategies = check_names(strategies, "strategies")
        if not isinstance(parameters, Mapping):
            raise fail("parameters", "a dict of parameter name to value", parameters)
        self.parameters: dict[str, float] = {}
        for name, value in parameters.items():
            if not str(name).isidentifier() or name in _RESERVED:
                raise fail("parameters", "names that are identifiers other than t and C", name)
            self.parameters[str(name)] = check_number(value, f"parameters['{name}']")
        k = len(self.states)
        self.transition = {
            s: self._matrix(self._per_strategy(transition, "transition", s), s, k)
            for s in self.strategies
        }
        self.state_costs = self._values(state_costs, "state_costs", k)
        self.state_utilities = self._values(state_utilities, "state_utilities", k)
        self.initial = np.eye(k)[0] if initial is None else np.asarray(initial, dtype=float)
        self.n_cycles = int(check_number(n_cycles, "n_cycles", low=1, integer=True))
        self.cycle_length = check_number(cycle_length, "cycle_length", low=0.0, low_inclusive=False)
        self.discount_cost = check_number(discount_cost, "discount_cost", low=0.0)
        self.discount_effect = check_number(discount_effect, "discount_effect", low=0.0)
        self.within_cycle = within_cycle
        self.dead = [dead] if isinstance(dead, str) else list(dead or [])
        self.model()  # validates initial, dead, within_cycle through MarkovModel

    # ------------------------------------------------------------------ parsing
    def _per_strategy(self, spec: Any, name: str, strategy: str) -> Any:
        if isinstance(spec, Mapping):
            missing = [s for s in self.strategies if s not in spec]
            if missing:
                raise fail(
                    name,
                    f"a dict with one entry per strategy {self.strategies}",
                    sorted(spec),
                    hint=f"Missing: {missing}.",
                )
            return spec[strategy]
        return spec

    def _matrix(self, rows: Any, strategy: str, k: int) -> list[list[Expression | None]]:
        where = f"MarkovSpec: transition of {strategy!r}"
        if np.shape(rows)[:2] != (k, k):
            raise ValidationError(
                f"{where} must be {k} rows of {k} entries; got shape {np.shape(rows)}."
            )
        out = []
        for i, row in enumerate(rows):
            n_c = sum(isinstance(v, str) and v.strip() == COMPLEMENT for v in row)
            if n_c > 1:
                raise ValidationError(
                    f"{where}, row {self.states[i]!r}: at most one 'C' (complement) per row."
                )
            out.append(
                [
                    None
                    if isinstance(v, str) and v.strip() == COMPLEMENT
                    else self._expr(v, f"{where}[{self.states[i]!r}][{self.states[j]!r}]")
                    for j, v in enumerate(row)
                ]
            )
        return out

    def _values(self, spec: Any, name: str, k: int) -> dict[str, list[Expression]]:
        out = {}
        for s in self.strategies:
            row = self._per_strategy(spec, name, s)
            if np.ndim(row) != 1 or len(row) != k:
                raise fail(f"{name}", f"{k} expressions (one per state)", row)
            out[s] = [
                self._expr(v, f"MarkovSpec: {name} of {s!r}[{self.states[j]!r}]")
                for j, v in enumerate(row)
            ]
        return out

    def _expr(self, value: Any, where: str) -> Expression:
        e = Expression(value, where)
        unknown = e.names - set(self.parameters) - {"t"}
        if unknown:
            raise ValidationError(
                f"{where}: {e.text!r} uses {sorted(unknown)}, which are not parameters "
                f"(known: {sorted(self.parameters)}, and the model time t)."
            )
        return e

    # ------------------------------------------------------------------ numpy model
    @validate_params()
    def transition_matrix(self, strategy: str, env: Mapping[str, Any], n: int) -> np.ndarray:
        """Transition matrices ``(n, k, k)`` of ``strategy`` with ``env`` (parameters, ``t``)."""
        k = len(self.states)
        out = np.zeros((n, k, k))
        for i, row in enumerate(self.transition[strategy]):
            for j, e in enumerate(row):
                if e is not None:
                    out[:, i, j] = e.evaluate(env)
            for j, e in enumerate(row):
                if e is None:
                    out[:, i, j] = 1.0 - sum(out[:, i, jj] for jj in range(k) if jj != j)
        return out

    @validate_params()
    def state_values(self, which: str, strategy: str, env: Mapping[str, Any], n: int):
        """State costs or utilities ``(n, k)`` of ``strategy`` at the time in ``env``."""
        exprs = (self.state_costs if which == "cost" else self.state_utilities)[strategy]
        return np.stack([np.broadcast_to(e.evaluate(env), (n,)) for e in exprs], axis=1)

    def model(self) -> Any:
        """The equivalent :class:`~decisionkit.models.MarkovModel` (vectorised over draws)."""
        from decisionkit.models import MarkovModel

        def n_of(p):
            return len(next(iter(p.values()))) if p else 1

        return MarkovModel(
            self.states,
            strategies=self.strategies,
            transition=lambda p, cycle, s: self.transition_matrix(
                s, {**p, "t": cycle + 1}, n_of(p)
            ),
            state_costs=lambda p, t, s: self.state_values("cost", s, {**p, "t": t}, n_of(p)),
            state_utilities=lambda p, t, s: self.state_values("utility", s, {**p, "t": t}, n_of(p)),
            initial=self.initial,
            n_cycles=self.n_cycles,
            cycle_length=self.cycle_length,
            discount_cost=self.discount_cost,
            discount_effect=self.discount_effect,
            within_cycle=self.within_cycle,
            dead=self.dead or None,
        )

    @validate_params()
    def run(self, params: Any = None, **kwargs: Any) -> Any:
        """Run the model on ``params`` (default: the deterministic :attr:`parameters`).

        ``params`` may be a DataFrame of PSA draws holding some or all parameters; missing
        ones are held at their deterministic value.
        """
        if params is None:
            params = pd.DataFrame({k: [v] for k, v in self.parameters.items()})
        elif isinstance(params, pd.DataFrame):
            missing = {k: v for k, v in self.parameters.items() if k not in params.columns}
            unknown = [c for c in params.columns if c not in self.parameters]
            if unknown:
                raise fail("params", f"columns among {list(self.parameters)}", unknown)
            params = params.assign(**missing)
        return self.model().run(params, **kwargs)

    def __repr__(self) -> str:
        return (
            f"MarkovSpec(states={self.states}, strategies={self.strategies}, "
            f"{len(self.parameters)} parameters, n_cycles={self.n_cycles})"
        )
