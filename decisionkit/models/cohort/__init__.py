"""Cohort models: PSA parameter distributions, Markov models and decision trees.

All are vectorised over PSA draws. The Sick-Sicker model of the DARTH tutorials lives in
:mod:`decisionkit.models.cohort.sick_sicker`.
"""

from decisionkit.models.cohort.markov import MarkovModel, MarkovResult
from decisionkit.models.cohort.psa import PSA
from decisionkit.models.cohort.tree import COMPLEMENT, Chance, DecisionTree, Terminal

__all__ = ["COMPLEMENT", "PSA", "Chance", "DecisionTree", "MarkovModel", "MarkovResult", "Terminal"]
