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
    "EVPPIMCResult",
    "EVPPIResult",
    "EVPPIVarResult",
    "EVSIResult",
    "NormalMean",
    "SingleArmBinary",
    "TwoArmBinary",
    "annuity_factor",
    "enbs",
    "evpi",
    "evppi",
    "evppi_each",
    "evppi_mc",
    "evppivar",
    "evsi",
    "population_evpi",
]
