"""Evidence synthesis: Bayesian pairwise and network meta-analysis (NICE DSU TSD 2) in PyMC.

The fitted models feed the decision: relative effects combine with a baseline model into
absolute effects, delivered as correlated PSA inputs (joint posterior rows) for cohort
models and EVPPI (:meth:`NetworkMetaAnalysis.psa_inputs`).
"""

from decisionkit.models.evidence._evsi import NetworkTrial
from decisionkit.models.evidence._inconsistency import InconsistencyResult
from decisionkit.models.evidence._nma import NetworkMetaAnalysis
from decisionkit.models.evidence._pairwise import PairwiseMetaAnalysis
from decisionkit.models.evidence._tables import load_smoking_cessation, read_trials_csv

__all__ = [
    "InconsistencyResult",
    "NetworkMetaAnalysis",
    "NetworkTrial",
    "PairwiseMetaAnalysis",
    "load_smoking_cessation",
    "read_trials_csv",
]
