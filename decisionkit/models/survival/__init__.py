"""Survival analysis: Kaplan-Meier, parametric and spline models, partitioned survival.

Public names load on first access so that ``import decisionkit.models.survival`` stays light
(scipy and PyMC are imported by the modules that need them).
"""

from decisionkit._lazy import lazy_exports

_LAZY = {
    "DISTRIBUTIONS": "decisionkit.models.survival._parametric",
    "BackgroundMortality": "decisionkit.models.survival._compose",
    "BayesianSurvival": "decisionkit.models.survival._bayes",
    "KaplanMeier": "decisionkit.models.survival._km",
    "ModelAverage": "decisionkit.models.survival._averaging",
    "ParametricSurvival": "decisionkit.models.survival._parametric",
    "PartitionedSurvivalModel": "decisionkit.models.survival._partitioned",
    "PartitionedSurvivalResult": "decisionkit.models.survival._psm_result",
    "SurvivalArm": "decisionkit.models.survival._evsi",
    "SurvivalData": "decisionkit.models.survival._data",
    "SurvivalDraws": "decisionkit.models.survival._draws",
    "SurvivalFollowUp": "decisionkit.models.survival._evsi",
    "SurvivalTrial": "decisionkit.models.survival._evsi",
    "TreatmentWaning": "decisionkit.models.survival._compose",
    "average_models": "decisionkit.models.survival._averaging",
    "fit_distributions": "decisionkit.models.survival._parametric",
    "kaplan_meier": "decisionkit.models.survival._km",
    "reconstruct_ipd": "decisionkit.models.survival._guyot",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, globals(), attributes=_LAZY)
