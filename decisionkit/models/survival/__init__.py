"""Survival analysis: Kaplan-Meier, parametric and spline models, partitioned survival."""

from decisionkit.models.survival._draws import SurvivalDraws

__all__ = ["SurvivalDraws"]
