"""Models that produce outcome draws (PyMC, conjugate, scikit-learn, PSA, cohort models).

Heavy dependencies (PyMC, scikit-learn) are imported inside the methods that need them,
so ``import decisionkit.models`` stays light; the classes below load on first access.
"""

import importlib
from typing import Any

# public name -> private module defining it (loaded on first attribute access)
_LAZY = {
    "BayesianLogisticRisk": "decisionkit.models._logistic",
    "BetaBinomial": "decisionkit.models.conjugate",
    "BootstrapRisk": "decisionkit.models.ml",
    "GammaPoisson": "decisionkit.models.conjugate",
    "NormalKnownVariance": "decisionkit.models.conjugate",
    "COMPLEMENT": "decisionkit.models.tree",
    "Chance": "decisionkit.models.tree",
    "CountDemand": "decisionkit.models.demand",
    "DecisionTree": "decisionkit.models.tree",
    "ESS_MIN": "decisionkit.models._diagnostics",
    "HierarchicalRates": "decisionkit.models.hierarchical",
    "MarkovModel": "decisionkit.models.markov",
    "MarkovResult": "decisionkit.models.markov",
    "PSA": "decisionkit.models.psa",
    "RHAT_MAX": "decisionkit.models._diagnostics",
    "Terminal": "decisionkit.models.tree",
    "check_convergence": "decisionkit.models._diagnostics",
    "trial_example_outcomes": "decisionkit.models.trial_example",
    "treatment_outcomes": "decisionkit.models.consequences",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'decisionkit.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
