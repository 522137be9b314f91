"""Evidence synthesis: Bayesian pairwise and network meta-analysis (NICE DSU TSD 2) in PyMC.

The fitted models feed the decision: relative effects combine with a baseline model into
absolute effects, delivered as correlated PSA inputs (joint posterior rows) for cohort
models and EVPPI.
"""

from decisionkit.models.evidence._nma import NetworkMetaAnalysis

__all__ = ["NetworkMetaAnalysis"]
