r"""Sensitivity analysis: deterministic (on a model function) and from PSA draws.

- Deterministic, re-running a model ``model(params) -> outcomes`` (:mod:`._deterministic`):
  :func:`one_way` (tornado), :func:`two_way` (optimal strategy on a grid), :func:`break_even`.
- From the PSA itself, through dampack's regression metamodel (:mod:`._metamodel`), for users
  who have PSA draws with their parameter draws but no model to re-run: :func:`one_way_psa`
  and :func:`two_way_psa`; :func:`one_way_psa_metrics` fits the one-way metamodel once per
  metric and combines it for any weighted sum of them (e.g. the net benefit at every wtp).
"""

from decisionkit.sensitivity._deterministic import (
    BreakEvenResult,
    OneWayResult,
    TwoWayResult,
    break_even,
    one_way,
    two_way,
)
from decisionkit.sensitivity._metamodel import (
    OneWayPSAResult,
    TwoWayPSAResult,
    one_way_psa,
    two_way_psa,
)
from decisionkit.sensitivity._metamodel_metrics import OneWayPSAMetrics, one_way_psa_metrics

__all__ = [
    "BreakEvenResult",
    "OneWayPSAMetrics",
    "OneWayPSAResult",
    "OneWayResult",
    "TwoWayPSAResult",
    "TwoWayResult",
    "break_even",
    "one_way",
    "one_way_psa",
    "one_way_psa_metrics",
    "two_way",
    "two_way_psa",
]
