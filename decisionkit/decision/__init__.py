"""The decision layer: consumes OutcomeDistribution draws, never imports PyMC or scikit-learn."""

from decisionkit.decision import utility
from decisionkit.decision.analysis import Decision, decide

__all__ = ["Decision", "decide", "utility"]
