"""Sampling for the evidence-synthesis models: the shared BayesianModel plus LOO storage."""

from __future__ import annotations

from typing import Any

from decisionkit.models.bayes import BayesianModel, check_convergence

__all__ = ["EvidenceModel"]


class EvidenceModel(BayesianModel):
    """BayesianModel whose fits also store the pointwise log likelihood (for LOO).

    ``_sample_checked`` samples a model, checks convergence of ``var_names`` and returns the
    diagnostics without touching the estimator's own ``diagnostics_``, so that the
    inconsistency models fitted from a fitted NMA leave its state alone.
    """

    _name = "model"

    def _sample_checked(
        self, model: Any, *, var_names: list[str], **fixed: Any
    ) -> tuple[Any, dict]:
        import pymc as pm

        # the warning points at the user's fit(): check_convergence <- here <- _fit_network
        # <- fit <- caller
        previous = getattr(self, "diagnostics_", None)
        idata = self._sample(model, check=False, **fixed)
        self.diagnostics_ = previous
        with model:
            pm.compute_log_likelihood(idata, progressbar=False)
        diagnostics = check_convergence(
            idata, model_name=self._name, var_names=var_names, stacklevel=5
        )
        return idata, diagnostics
