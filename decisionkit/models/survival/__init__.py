"""Survival analysis: data, Kaplan-Meier, parametric and spline models, extrapolation.

Public names load on first access so that ``import decisionkit.models.survival`` stays light.
"""

import importlib
from typing import Any

_LAZY = {
    "BackgroundMortality": "decisionkit.models.survival._compose",
    "ModelAverage": "decisionkit.models.survival._averaging",
    "TreatmentWaning": "decisionkit.models.survival._compose",
    "average_models": "decisionkit.models.survival._averaging",
    "DISTRIBUTIONS": "decisionkit.models.survival._parametric",
    "ParametricSurvival": "decisionkit.models.survival._parametric",
    "SurvivalData": "decisionkit.models.survival._data",
    "KaplanMeier": "decisionkit.models.survival._km",
    "SurvivalDraws": "decisionkit.models.survival._draws",
    "kaplan_meier": "decisionkit.models.survival._km",
    "fit_distributions": "decisionkit.models.survival._parametric",
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
