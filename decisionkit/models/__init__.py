"""Models that produce outcome draws (PyMC, conjugate, scikit-learn, PSA, cohort models).

Heavy dependencies (PyMC, scikit-learn) are imported inside the methods that need them,
so ``import decisionkit.models`` stays light; the classes below load on first access.
"""

from decisionkit._lazy import lazy_exports

# public name -> private module defining it (loaded on first attribute access)
_LAZY = {
    "BayesianModel": "decisionkit.models.bayes",
    "BayesianLogisticRisk": "decisionkit.models.bayes",
    "BetaBinomial": "decisionkit.models.bayes.conjugate",
    "BootstrapRisk": "decisionkit.models.ml",
    "GammaPoisson": "decisionkit.models.bayes.conjugate",
    "NormalKnownVariance": "decisionkit.models.bayes.conjugate",
    "COMPLEMENT": "decisionkit.models.cohort.tree",
    "Chance": "decisionkit.models.cohort.tree",
    "CountDemand": "decisionkit.models.bayes.demand",
    "DecisionTree": "decisionkit.models.cohort.tree",
    "ESS_MIN": "decisionkit.models.bayes",
    "HierarchicalRates": "decisionkit.models.bayes.hierarchical",
    "LifeTable": "decisionkit.models.life_table",
    "MarkovModel": "decisionkit.models.cohort.markov",
    "MarkovResult": "decisionkit.models.cohort.markov",
    "PSA": "decisionkit.models.cohort.psa",
    "RHAT_MAX": "decisionkit.models.bayes",
    "Terminal": "decisionkit.models.cohort.tree",
    "check_convergence": "decisionkit.models.bayes",
    "trial_example_outcomes": "decisionkit.models.trial_example",
    "treatment_outcomes": "decisionkit.models.consequences",
    "treatment_parameters": "decisionkit.models.consequences",
    "TreatmentParameters": "decisionkit.models.consequences",
}

# sub-packages by kind of model, loaded on first access (dk.models.survival, ...)
_SUBPACKAGES = ("bayes", "cohort", "evidence", "simulation", "survival")

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports(
    __name__,
    globals(),
    attributes=_LAZY,
    modules={name: f"{__name__}.{name}" for name in _SUBPACKAGES},
)
