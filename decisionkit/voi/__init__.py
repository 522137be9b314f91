"""Value of information: EVPI, EVPPI, EVSI and ENBS.

Should we decide now, or buy more evidence first, and which evidence? This module answers with
the expected value of perfect information (:func:`evpi`), of perfect information on some
parameters (:func:`evppi`, :func:`evppi_each`), of a proposed study (:func:`evsi`) and the
expected net benefit of sampling with the optimal study size (:func:`enbs`), matching the
methods of the R package voi.

Layering note: the decision layer never imports scikit-learn at module import time; the
"gp" and "trees" regression methods import it lazily inside their fit functions (a relaxation
of DESIGN.md's "decision never imports scikit-learn").
"""

from decisionkit.voi._evpi import annuity_factor, evpi, population_evpi
from decisionkit.voi._evppi import EVPPIResult, evppi, evppi_each
from decisionkit.voi._evppi_mc import EVPPIMCResult, evppi_mc
from decisionkit.voi._evppivar import EVPPIVarResult, evppivar
from decisionkit.voi._evsi import (
    CustomStudy,
    EVSIResult,
    NormalMean,
    SingleArmBinary,
    TwoArmBinary,
    evsi,
)
from decisionkit.voi._evsi_check import EVSIConsistencyWarning
from decisionkit.voi._evsi_enbs import ENBSResult, enbs
from decisionkit.voi._evsi_gaussian import evsi_gaussian
from decisionkit.voi._prediction import (
    PredictionVOIResult,
    prediction_voi,
    prediction_voi_development,
    prediction_voi_from_draws,
)
from decisionkit.voi._structural import (
    StructuralResult,
    mix_structures,
    structural_voi,
    structure_weights,
)

__all__ = [
    "CustomStudy",
    "ENBSResult",
    "EVPPIMCResult",
    "EVPPIResult",
    "EVPPIVarResult",
    "EVSIConsistencyWarning",
    "EVSIResult",
    "NormalMean",
    "PredictionVOIResult",
    "SingleArmBinary",
    "StructuralResult",
    "TwoArmBinary",
    "annuity_factor",
    "enbs",
    "evpi",
    "evppi",
    "evppi_each",
    "evppi_mc",
    "evppivar",
    "evsi",
    "evsi_gaussian",
    "mix_structures",
    "population_evpi",
    "prediction_voi",
    "prediction_voi_development",
    "prediction_voi_from_draws",
    "structural_voi",
    "structure_weights",
]

# Study designs built on the survival and evidence-synthesis models live beside those models
# (models never import the decision layer); they load on first access, so importing voi
# stays free of scipy's optimisers and PyMC.
from decisionkit._lazy import lazy_exports as _lazy_exports

_MODEL_STUDIES = {
    "NetworkTrial": "decisionkit.models.evidence",
    "SurvivalArm": "decisionkit.models.survival",
    "SurvivalFollowUp": "decisionkit.models.survival",
    "SurvivalTrial": "decisionkit.models.survival",
}
__all__ += sorted(_MODEL_STUDIES)
__getattr__, __dir__ = _lazy_exports(__name__, globals(), attributes=_MODEL_STUDIES)
