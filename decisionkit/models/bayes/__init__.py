"""Bayesian models: PyMC models on one base class, conjugate models, convergence checks.

Imported lazily: the base class needs scikit-learn and the models PyMC, so nothing heavy loads
until a name is used.
"""

from typing import TYPE_CHECKING

from decisionkit._lazy import lazy_exports

if TYPE_CHECKING:  # type checkers see the real class; at run time it loads on first use
    from decisionkit.models.bayes._base import BayesianModel as BayesianModel

_LAZY = {
    "BayesianLogisticRisk": "decisionkit.models.bayes._logistic",
    "BayesianModel": "decisionkit.models.bayes._base",
    "ESS_MIN": "decisionkit.models.bayes._diagnostics",
    "RHAT_MAX": "decisionkit.models.bayes._diagnostics",
    "check_convergence": "decisionkit.models.bayes._diagnostics",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, globals(), attributes=_LAZY)
