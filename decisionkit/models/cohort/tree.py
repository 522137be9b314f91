r"""Decision trees with chance and terminal nodes, rolled back over all draws at once.

A tree is one root node per strategy. A :class:`Chance` node has branches
``(probability, child)``; a :class:`Terminal` node has payoffs (cost, qaly, ...). Chance
nodes may also carry payoffs that every path through them collects (e.g. the cost of a
test). Probabilities and payoffs are constants, names of parameter columns, or callables
``f(params)`` returning one value per draw, where ``params`` is a dict of 1-D arrays.

Rolling back computes, for every metric and every draw at once,

.. math:: V(\text{terminal}) = \text{payoff}, \qquad
          V(\text{chance}) = \text{payoff} + \sum_b p_b\, V(\text{child}_b),

so the expected value of a strategy is its root value. One branch per chance node may take
:data:`COMPLEMENT` (or the string ``"rest"``) as its probability: one minus the others.

References
----------
.. [1] Hunink MGM, Weinstein MC, et al. *Decision Making in Health and Medicine: Integrating
   Evidence and Values*. 2nd ed. Cambridge University Press; 2014. Chapter 3 (folding back
   a decision tree).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    check_names,
    check_number,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort.markov import params_dict
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["COMPLEMENT", "Chance", "DecisionTree", "Terminal"]


class _Complement:
    """Sentinel for "one minus the other branch probabilities"."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "COMPLEMENT"


COMPLEMENT = _Complement()
"""Branch probability meaning "the rest": one minus the other branches of the node."""

Value = float | str | Callable[[Mapping[str, np.ndarray]], Any]


def _check_value(value: Any, what: str) -> Value:
    if callable(value) or isinstance(value, str):
        return value
    return check_number(value, what)


class Terminal:
    """An end node with payoffs, e.g. ``Terminal("Cured", cost=1200, qaly="q_cured")``.

    Parameters
    ----------
    name : str
        Label of the node (used in error messages).
    **payoffs : float, str or callable
        Metric name to payoff: a constant, the name of a parameter column, or a callable
        ``f(params)`` returning one value per draw. Every terminal of a tree must define the
        same metrics.
    """

    __slots__ = ("name", "payoffs")
    name: str
    payoffs: dict[str, Value]

    @validate_params()
    def __init__(self, name: str, **payoffs: Value) -> None:
        if not isinstance(name, str) or not name:
            raise fail("name", "a non-empty string", name)
        if not payoffs:
            raise ValidationError(
                f"Terminal {name!r} has no payoffs. Give at least one, e.g. "
                f"Terminal({name!r}, cost=100.0, qaly=0.8)."
            )
        object.__setattr__(self, "name", name)
        object.__setattr__(
            self,
            "payoffs",
            {m: _check_value(v, f"payoff '{m}' of terminal {name!r}") for m, v in payoffs.items()},
        )

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Terminal is immutable; build a new one instead.")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.payoffs.items())
        return f"Terminal({self.name!r}, {args})"


class Chance:
    """A chance node: branches ``(probability, child)`` whose probabilities sum to 1.

    Parameters
    ----------
    name : str
        Label of the node (used in error messages).
    branches : sequence of (probability, node)
        Probability (constant, parameter name, callable ``f(params)`` or
        :data:`COMPLEMENT`/``"rest"`` for one branch) and the child node.
    payoffs : mapping, optional
        Payoffs collected by every path through this node (e.g. ``{"cost": "c_test"}``).

    Examples
    --------
    >>> node = Chance("Response", [("p_resp", Terminal("Yes", qaly=1.0)),
    ...                            (COMPLEMENT, Terminal("No", qaly=0.5))])
    """

    __slots__ = ("branches", "name", "payoffs")
    branches: tuple[tuple[Value, Chance | Terminal], ...]
    name: str
    payoffs: dict[str, Value]

    @validate_params()
    def __init__(
        self,
        name: str,
        branches: Sequence[tuple[Any, Chance | Terminal]],
        *,
        payoffs: Mapping[str, Value] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise fail("name", "a non-empty string", name)
        checked = []
        n_rest = 0
        for i, branch in enumerate(branches):
            if not (isinstance(branch, tuple) and len(branch) == 2):
                raise fail(f"branches[{i}]", "a (probability, node) tuple", branch)
            p, child = branch
            if not isinstance(child, Chance | Terminal):
                raise fail(f"branches[{i}]", "a Chance or Terminal", child)
            if p is COMPLEMENT or (isinstance(p, str) and p == "rest"):
                p = COMPLEMENT
                n_rest += 1
            else:
                p = _check_value(p, f"probability of branch {i} of chance node {name!r}")
            checked.append((p, child))
        if not checked:
            raise ValidationError(f"Chance node {name!r} has no branches; give at least one.")
        if n_rest > 1:
            raise ValidationError(
                f"Chance node {name!r} has {n_rest} branches with probability 'rest'; at most "
                "one branch can take the complement."
            )
        pay = {
            str(m): _check_value(v, f"payoff '{m}' of {name!r}") for m, v in (payoffs or {}).items()
        }
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "branches", tuple(checked))
        object.__setattr__(self, "payoffs", pay)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Chance is immutable; build a new one instead.")

    def __repr__(self) -> str:
        return f"Chance({self.name!r}, {len(self.branches)} branches)"


class DecisionTree:
    """A decision between strategies, each a tree of chance and terminal nodes.

    Parameters
    ----------
    strategies : mapping of str to Chance or Terminal
        Strategy name to its root node.
    tol : float
        Tolerance on probabilities summing to 1 (default 1e-8).

    Examples
    --------
    >>> tree = DecisionTree({
    ...     "Treat": Chance("Response", [(0.6, Terminal("Yes", cost=100.0, qaly=1.0)),
    ...                                  ("rest", Terminal("No", cost=100.0, qaly=0.5))]),
    ...     "Wait": Terminal("Wait", cost=0.0, qaly=0.7),
    ... })
    >>> tree.expected_values({"x": 0.0})["qaly"].tolist()
    [0.8, 0.7]
    """

    @validate_params()
    def __init__(self, strategies: Mapping[str, Chance | Terminal], *, tol: float = 1e-8) -> None:
        if not isinstance(strategies, Mapping) or not strategies:
            raise fail("strategies", "a non-empty dict of name to root node", strategies)
        names = check_names(strategies.keys(), "strategies")
        roots = dict(zip(names, strategies.values(), strict=True))
        for s, node in roots.items():
            if not isinstance(node, Chance | Terminal):
                raise fail(f"strategies['{s}']", "a Chance or Terminal node", node)
        self.strategies = roots
        self.tol = check_number(tol, "tol", low=0.0, low_inclusive=False)
        self.metrics = self._check_metrics()

    def _check_metrics(self) -> list[str]:
        terminals: list[tuple[str, Terminal]] = []
        chance_pay: list[tuple[str, str]] = []

        def walk(node: Chance | Terminal, path: str) -> None:
            here = f"{path} > {node.name!r}"
            if isinstance(node, Terminal):
                terminals.append((here, node))
                return
            chance_pay.extend((here, m) for m in node.payoffs)
            for _, child in node.branches:
                walk(child, here)

        for s, root in self.strategies.items():
            walk(root, f"strategy {s!r}")
        first_path, first = terminals[0]
        metrics = list(first.payoffs)
        for path, term in terminals[1:]:
            if set(term.payoffs) != set(metrics):
                raise ValidationError(
                    f"DecisionTree: terminal {path} has payoffs {sorted(term.payoffs)} but "
                    f"terminal {first_path} has {sorted(metrics)}. Every terminal must define "
                    "the same metrics (use 0 where a metric does not apply)."
                )
        for path, m in chance_pay:
            if m not in metrics:
                raise ValidationError(
                    f"DecisionTree: chance node {path} has a payoff {m!r} that no terminal has; "
                    f"the metrics are {metrics}."
                )
        return metrics

    def _resolve(self, value: Value, params: dict[str, np.ndarray], n: int, what: str):
        if isinstance(value, str):
            if value not in params:
                raise ValidationError(
                    f"DecisionTree: {what} refers to parameter {value!r}, which is not in the "
                    f"parameters {sorted(params)}."
                )
            arr = params[value]
        elif callable(value):
            arr = np.asarray(value(params), dtype=float)
        else:
            arr = np.asarray(value, dtype=float)
        try:
            arr = np.broadcast_to(arr, (n,))
        except ValueError:
            raise ValidationError(
                f"DecisionTree: {what} has shape {np.shape(arr)}; expected one value per draw "
                f"({n},) or a scalar."
            ) from None
        finite_or_raise(arr, f"DecisionTree: {what}")
        return arr

    def _rollback(self, node, params, n, path) -> dict[str, np.ndarray]:
        here = f"{path} > {node.name!r}"
        if isinstance(node, Terminal):
            return {
                m: self._resolve(v, params, n, f"payoff '{m}' of terminal {here}")
                for m, v in node.payoffs.items()
            }
        probs: list[np.ndarray | None] = []
        for i, (p, _) in enumerate(node.branches):
            probs.append(
                None
                if p is COMPLEMENT
                else self._resolve(p, params, n, f"probability of branch {i} of chance node {here}")
            )
        given = [p for p in probs if p is not None]
        explicit = np.sum(given, axis=0) if given else np.zeros(n)
        if any(p is None for p in probs):
            rest = 1.0 - explicit
            probs = [rest if p is None else p for p in probs]
            total = explicit + np.clip(rest, 0.0, None)  # only for the check below
        else:
            total = explicit
        stacked = np.stack([p for p in probs if p is not None])  # (branches, n); none left
        bad = (np.abs(total - 1.0) > self.tol) | np.any(
            (stacked < -self.tol) | (stacked > 1 + self.tol), axis=0
        )
        if bad.any():
            d = int(np.argmax(bad))
            raise ValidationError(
                f"DecisionTree: the branch probabilities of chance node {here} are invalid in "
                f"draw {d}: they are {np.round(stacked[:, d], 8).tolist()} (sum "
                f"{stacked[:, d].sum():.10g}). They must lie in [0, 1] and sum to 1 within "
                f"{self.tol:g}; use COMPLEMENT ('rest') for one branch to take 1 minus the others."
            )
        out = {m: np.zeros(n) for m in self.metrics}
        for m, v in node.payoffs.items():
            out[m] = out[m] + self._resolve(v, params, n, f"payoff '{m}' of {here}")
        for p, (_, child) in zip(stacked, node.branches, strict=True):
            values = self._rollback(child, params, n, here)
            for m in self.metrics:
                out[m] = out[m] + p * values[m]
        return out

    def _values(self, params: Any) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
        pdict, n = params_dict(params)
        per_strategy = [
            self._rollback(root, pdict, n, f"strategy {s!r}") for s, root in self.strategies.items()
        ]
        arrays = {m: np.stack([v[m] for v in per_strategy], axis=1) for m in self.metrics}
        inputs = pd.DataFrame({k: np.array(v) for k, v in pdict.items()})
        return arrays, inputs

    @validate_params()
    def evaluate(self, params: Any) -> OutcomeDistribution:
        """Roll back every strategy for every draw.

        Parameters
        ----------
        params : DataFrame or mapping
            Parameter draws, one row per draw (at least 2; e.g. :meth:`PSA.sample`).

        Returns
        -------
        OutcomeDistribution
            One metric per payoff name, dims ``(draw, action)`` with the strategies as
            actions, and ``params`` attached as inputs.
        """
        arrays, inputs = self._values(params)
        if len(next(iter(arrays.values()))) < 2:
            raise ValidationError(
                "DecisionTree.evaluate needs at least 2 draws; for one deterministic set of "
                "parameters use DecisionTree.expected_values()."
            )
        return OutcomeDistribution.from_arrays(
            arrays, actions=list(self.strategies), inputs=inputs if inputs.shape[1] else None
        )

    @validate_params()
    def expected_values(self, params: Any) -> pd.DataFrame:
        """Mean over draws of every metric per strategy (works for a single parameter set)."""
        arrays, _ = self._values(params)
        frame = pd.DataFrame({m: a.mean(axis=0) for m, a in arrays.items()})
        frame.insert(0, "strategy", list(self.strategies))
        return frame

    @validate_params()
    def expected(self, params: Any) -> dict[str, dict[str, float]]:
        """Mean of each metric per strategy as ``{strategy: {metric: value}}``.

        The form deterministic sensitivity analysis takes from a model run on one parameter
        set (``decisionkit.sensitivity``).
        """
        frame = self.expected_values(params).set_index("strategy")
        return {s: {m: float(frame.loc[s, m]) for m in self.metrics} for s in self.strategies}

    def __repr__(self) -> str:
        return f"DecisionTree(strategies={list(self.strategies)}, metrics={self.metrics})"
