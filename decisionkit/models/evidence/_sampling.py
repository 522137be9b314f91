"""Sampling for the evidence-synthesis models (pymc.sample + the shared convergence check)."""

from __future__ import annotations

import inspect
from typing import Any

from decisionkit._validation import fail
from decisionkit.models._diagnostics import check_convergence
from decisionkit.models._pymc_common import (
    check_sampler_settings,
    progressbar_on,
    require_fitted,
    sampler_seeds,
)

__all__ = ["SamplerMixin", "require_fitted"]


class SamplerMixin:
    """Sampler settings, ``get_params`` and ``_sample`` for the evidence models."""

    _name = "model"

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        """Constructor arguments (as scikit-learn's ``get_params``)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {p: getattr(self, p) for p in names}

    def _check_sampler(self, caller: str) -> None:
        check_sampler_settings(self, caller)
        if self.sampler_config is not None and not isinstance(self.sampler_config, dict):
            raise fail("sampler_config", caller, "a dict of pymc.sample arguments or None",
                       self.sampler_config)

    def _sample(self, model: Any, *, var_names: list[str], caller: str) -> tuple[Any, dict]:
        import pymc as pm

        seed, _, _ = sampler_seeds(self.random_seed, caller)
        kwargs: dict[str, Any] = {
            "draws": self.draws,
            "tune": self.tune,
            "chains": self.chains,
            "cores": self.cores,
            "target_accept": self.target_accept,
            "random_seed": seed,
            "progressbar": progressbar_on(self.progressbar),
        }
        kwargs.update(self.sampler_config or {})
        with model:
            idata = pm.sample(**kwargs)
            # pointwise log likelihood for LOO (ArviZ)
            pm.compute_log_likelihood(idata, progressbar=False)
        diagnostics = check_convergence(idata, model_name=self._name, var_names=var_names,
                                        stacklevel=4)
        return idata, diagnostics
