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
from decisionkit.voi._evsi import (
    CustomStudy,
    ENBSResult,
    EVSIResult,
    NormalMean,
    SingleArmBinary,
    TwoArmBinary,
    enbs,
    evsi,
)

__all__ = [
    "CustomStudy",
    "ENBSResult",
    "EVPPIResult",
    "EVSIResult",
    "NormalMean",
    "SingleArmBinary",
    "TwoArmBinary",
    "annuity_factor",
    "enbs",
    "evpi",
    "evppi",
    "evppi_each",
    "evsi",
    "population_evpi",
]

# Study designs built on the survival and evidence-synthesis models live beside those models
# (models never import the decision layer); they load on first access, so importing voi
# stays free of scipy's optimisers and PyMC.
from decisionkit._lazy import lazy_exports as _lazy_exports

_MODEL_STUDIES = {
    "NetworkTrial": "decisionkit.models.evidence._evsi",
    "SurvivalArm": "decisionkit.models.survival._evsi",
    "SurvivalFollowUp": "decisionkit.models.survival._evsi",
    "SurvivalTrial": "decisionkit.models.survival._evsi",
}
__all__ += sorted(_MODEL_STUDIES)
__getattr__, __dir__ = _lazy_exports(__name__, globals(), attributes=_MODEL_STUDIES)
