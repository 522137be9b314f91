"""What a per-individual function sees: the population at the start of a cycle."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from decisionkit._validation import validate_params

__all__ = ["Individuals", "PerIndividual", "per_individual"]


class Individuals:
    """Read-only view of the simulated individuals at the start of a cycle.

    Each array has one entry per simulated individual (under PSA, the individuals of every
    draw in the current chunk, stacked; ``draw`` says which draw each belongs to). Arrays are
    read-only: return new values from ``update`` instead of writing into them.

    Attributes
    ----------
    state : ndarray of int
        Index of the current state (into ``states``).
    time_in_state : ndarray of int
        Whole cycles already completed in the current state (0 on entry; individuals start
        with 0). A semi-Markov model reads its transition probabilities from it.
    visits : ndarray of int, shape (n, n_states)
        How many times each individual has entered each state (the starting state counts
        once): the history a cohort model cannot carry without tunnel states.
    draw : ndarray of int
        Which parameter draw (row of ``params``) each individual belongs to.
    attributes : mapping of str to ndarray
        The population's columns (``age``, ``sex``, any covariate), as updated so far.
        Also reachable as ``ind.age`` or ``ind["age"]``.
    states : list of str
        State names, for ``ind.in_state("Sick")``.
    """

    __slots__ = ("_attrs", "draw", "state", "states", "time_in_state", "visits")

    @validate_params()
    def __init__(self, state, time_in_state, visits, draw, attributes, states) -> None:
        self.state = _frozen(state)
        self.time_in_state = _frozen(time_in_state)
        self.visits = _frozen(visits)
        self.draw = _frozen(draw)
        self._attrs = MappingProxyType({k: _frozen(v) for k, v in attributes.items()})
        self.states = list(states)

    @property
    def attributes(self) -> Mapping[str, np.ndarray]:
        """The individual attributes (read-only mapping of arrays)."""
        return self._attrs

    @property
    def n(self) -> int:
        """Number of individuals in view."""
        return int(self.state.shape[0])

    @validate_params()
    def in_state(self, name: str) -> np.ndarray:
        """Boolean mask of the individuals currently in state ``name``."""
        if name not in self.states:
            raise KeyError(f"Unknown state {name!r}; the states are {self.states}.")
        return self.state == self.states.index(name)

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._attrs[name]
        except KeyError:
            raise KeyError(
                f"No attribute {name!r}; the population has {sorted(self._attrs)}."
            ) from None

    def __getattr__(self, name: str) -> np.ndarray:
        attrs = object.__getattribute__(self, "_attrs")
        if name in attrs:
            return attrs[name]
        raise AttributeError(
            f"Individuals has no attribute {name!r}; the population columns are "
            f"{sorted(attrs)} (plus state, time_in_state, visits, draw)."
        )

    def __repr__(self) -> str:
        return f"<Individuals n={self.n}, attributes={sorted(self._attrs)}>"


def _frozen(a: np.ndarray) -> np.ndarray:
    view = np.asarray(a).view()
    view.flags.writeable = False
    return view


class PerIndividual:
    """A function evaluated on the individuals (see :func:`per_individual`)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[..., Any]) -> None:
        if not callable(fn):
            raise TypeError(f"per_individual needs a callable; got {type(fn).__name__}.")
        self.fn = fn

    def __call__(self, ind: Individuals, params: Mapping[str, np.ndarray], cycle, strategy):
        return self.fn(ind, params, cycle, strategy)

    def __repr__(self) -> str:
        return f"per_individual({getattr(self.fn, '__name__', self.fn)!r})"


@validate_params()
def per_individual(fn: Callable[..., Any]) -> PerIndividual:
    """Mark a function as evaluated per individual: ``fn(ind, params, cycle, strategy)``.

    Without the mark, a callable in a :class:`Microsimulation` specification is read as in
    :class:`~decisionkit.models.MarkovModel`: ``f(params, cycle, strategy)``, the same for
    everyone in a state (so the model also runs as a cohort). With it, the function receives
    the :class:`Individuals` at the start of the cycle and ``params`` with one value per
    individual (the value of that individual's draw), and returns

    * for ``transition``: the probabilities of moving from each individual's current state
      to every state, shape ``(n, n_states)``, rows summing to 1;
    * for ``transition_costs``: the one-off cost of moving from the current state to each
      state, shape ``(n, n_states)``;
    * for ``state_costs`` / ``state_utilities``: the annual value of each individual's
      current state, shape ``(n,)``;
    * for ``update``: a dict of new attribute arrays (e.g. ``{"bmi": ...}``).

    Examples
    --------
    >>> import numpy as np
    >>> @per_individual
    ... def transition(ind, params, cycle, strategy):
    ...     p_die = 1 - np.exp(-0.01 * np.exp(0.08 * (ind.age - 60)))
    ...     return np.column_stack([1 - p_die, p_die])
    """
    return PerIndividual(fn)
