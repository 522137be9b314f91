"""The per-patient path without the outcome arrays: treatment outcomes and a linear utility.

When :func:`~decisionkit.scale.recommend` is given ``functools.partial(treatment_outcomes,
...)`` (keyword arguments only) and a utility with :attr:`~decisionkit.utility.Utility.steps`
(``linear``, net monetary or health benefit at one wtp), the outcome and utility steps are
evaluated inside the decision kernel a cache-sized tile of patients at a time
(:func:`decisionkit.decision._kernel.reduce_unit_tiles`): per patient the three metric
arrays and the utility array are never built. Measured on 500 draws x 2 actions, that memory
traffic (writing and reading 32 KB per patient, most of it fresh pages) cost more than all
the arithmetic. The statistics are bit-identical to ``decide(outcomes(risk), utility)``
(tests/test_scale_fused.py); any input the fast path does not take as is (a risk outside
[0, 1], a non-finite utility, other outcome functions or utilities) goes through the
materialised path, which raises the usual errors.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import xarray as xr

from decisionkit.decision._kernel import reduce_unit_tiles
from decisionkit.decision.utility import Utility
from decisionkit.exceptions import ValidationError
from decisionkit.models import TreatmentParameters, treatment_outcomes, treatment_parameters

#: Utility.steps' operations, coded as in _fused_jit
STEP_CODES = {"set": 0, "scale": 1, "add_scaled": 2, "sub": 3, "sub_div": 4}


class FusedPlan:
    """Treatment outcome parameters and a utility's steps, for per-patient statistics.

    Picklable (scattered once to every Dask worker); the parameters laid out per draw are
    kept for the last number of draws seen.
    """

    def __init__(self, keywords: dict[str, Any], steps: tuple[tuple[str, str, float], ...]):
        self.keywords = keywords
        metric = {m: i for i, m in enumerate(TreatmentParameters.metrics)}
        self.codes = np.array([STEP_CODES[op] for op, _, _ in steps], dtype=np.int64)
        self.which = np.array([metric[m] for _, m, _ in steps], dtype=np.int64)
        self.weights = np.array([w for _, _, w in steps], dtype=float)
        self._params: TreatmentParameters | None = None

    @classmethod
    def of(cls, outcomes: Any, utility: Utility) -> FusedPlan | None:
        """The plan for ``outcomes`` and ``utility``, or None if the path does not apply."""
        if not (
            isinstance(outcomes, partial)
            and outcomes.func is treatment_outcomes
            and not outcomes.args
            and utility.steps is not None
            and all(m in TreatmentParameters.metrics for _, m, _ in utility.steps)
            and all(op in STEP_CODES for op, _, _ in utility.steps)
        ):
            return None
        return cls(dict(outcomes.keywords), utility.steps)

    def _parameters(self, n_draws: int) -> TreatmentParameters | None:
        par = self._params  # read once: a worker's threads may share the plan
        if par is None or par.theta.shape[0] != n_draws:
            try:
                par = treatment_parameters(n_draws, **self.keywords)
            except (ValidationError, TypeError):
                return None  # the materialised path raises the error, naming the call
            self._params = par
        return par

    def statistics(self, risk: Any, n_units: int) -> tuple[np.ndarray, list[str]] | None:
        """(unit, action, stat) statistics and the action names, or None to materialise."""
        if not (
            isinstance(risk, xr.DataArray)
            and risk.dims == ("draw", "unit")
            and isinstance(risk.data, np.ndarray)
            and risk.dtype == np.float64
            and risk.shape[1] == n_units
            and risk.shape[0] >= 2
        ):
            return None
        par = self._parameters(risk.shape[0])
        if par is None:
            return None
        from decisionkit.scale._fused_jit import reduce_tiles

        args = (
            np.ascontiguousarray(risk.data),
            par.theta,
            par.cost_treat,
            par.harm_qaly,
            par.cost_event,
            par.qaly_event,
            par.odds_ratio,
            self.codes,
            self.which,
            self.weights,
        )
        n_draws, n_actions = par.theta.shape
        out = reduce_unit_tiles(reduce_tiles, args, n_draws, n_actions, n_units)
        return None if out is None else (out, par.actions)
