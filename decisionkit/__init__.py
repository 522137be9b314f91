"""decisionkit: Bayesian decision analysis from outcome distributions to recommendations.

The public API: :class:`OutcomeDistribution` (the currency between layers), the utility
factories in :mod:`decisionkit.utility`, :func:`decide`, and the modules for models, cost-
effectiveness, value of information, thresholds and plots.
"""

from decisionkit import exceptions
from decisionkit.decision import utility
from decisionkit.decision.analysis import Decision, decide
from decisionkit.outcomes import OutcomeDistribution

__version__ = "0.1.0.dev0"

__all__ = [
    "Decision",
    "OutcomeDistribution",
    "__version__",
    "decide",
    "exceptions",
    "utility",
]
