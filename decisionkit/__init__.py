"""decisionkit: Bayesian decision analysis from outcome distributions to recommendations.

The public API: :class:`OutcomeDistribution` (the currency between layers), the utility
factories in :mod:`decisionkit.utility`, :func:`decide`, and the modules for models,
cost-effectiveness, value of information, thresholds and plots. Modules that need heavy
dependencies (PyMC, scikit-learn, matplotlib) load on first use, so ``import decisionkit``
stays fast.
"""

from decisionkit import exceptions
from decisionkit._lazy import lazy_exports
from decisionkit._options import get_options, set_options
from decisionkit.decision import utility
from decisionkit.decision.analysis import Decision, decide
from decisionkit.outcomes import OutcomeDistribution

__version__ = "0.1.0.dev0"

# public submodules loaded on first attribute access (dk.plot, dk.models, ...)
_LAZY = {
    "capacity": "decisionkit.capacity",
    "cea": "decisionkit.cea",
    "datasets": "decisionkit.datasets",
    "formatting": "decisionkit.formatting",
    "io": "decisionkit.io",
    "models": "decisionkit.models",
    "plot": "decisionkit.plot",
    "report": "decisionkit.report",
    "scale": "decisionkit.scale",
    "sensitivity": "decisionkit.sensitivity",
    "threshold": "decisionkit.threshold",
    "voi": "decisionkit.voi",
}

__all__ = [
    "Decision",
    "OutcomeDistribution",
    "__version__",
    "decide",
    "exceptions",
    "get_options",
    "set_options",
    "utility",
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), modules=_LAZY)
