"""Bayesian models: PyMC models on one base class, conjugate models, convergence checks.

Imported lazily: the base class needs scikit-learn and the models PyMC, so nothing heavy loads
until a name is used.
"""

import importlib
from typing import Any

_LAZY = {
    "BayesianModel": "decisionkit.models.bayes._base",
    "ESS_MIN": "decisionkit.models.bayes._diagnostics",
    "RHAT_MAX": "decisionkit.models.bayes._diagnostics",
    "check_convergence": "decisionkit.models.bayes._diagnostics",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'decisionkit.models.bayes' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
