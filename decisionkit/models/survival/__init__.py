"""Survival analysis: Kaplan-Meier, parametric and spline models, partitioned survival.

Public names load on first access so that ``import decisionkit.models.survival`` stays light
(scipy and PyMC are imported by the modules that need them).
"""

import importlib
from typing import Any

_LAZY = {
    "DISTRIBUTIONS": "decisionkit.models.survival._parametric",
    "BackgroundMortality": "decisionkit.models.survival._compose",
    "BayesianSurvival": "decisionkit.models.survival._bayes",
    "KaplanMeier": "decisionkit.models.survival._km",
    "ModelAverage": "decisionkit.models.survival._averaging",
    "ParametricSurvival": "decisionkit.models.survival._parametric",
    "PartitionedSurvivalModel": "decisionkit.models.survival._partitioned",
    "PartitionedSurvivalResult": "decisionkit.models.survival._psm_result",
    "SurvivalData": "decisionkit.models.survival._data",
    "SurvivalDraws": "decisionkit.models.survival._draws",
    "TreatmentWaning": "decisionkit.models.survival._compose",
    "average_models": "decisionkit.models.survival._averaging",
    "fit_distributions": "decisionkit.models.survival._parametric",
    "kaplan_meier": "decisionkit.models.survival._km",
    "reconstruct_ipd": "decisionkit.models.survival._guyot",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'decisionkit.models.survival' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
