"""Individual-level state-transition models (microsimulation).

:class:`Microsimulation` takes the specification of a
:class:`~decisionkit.models.MarkovModel` and simulates individuals through it, so that
transition probabilities and rewards may depend on attributes (age, sex, covariates), time in
state and history (:func:`per_individual`). Where nothing depends on the individual the same
specification runs as a cohort, and :func:`compare_with_cohort` shows that both agree.
"""

from decisionkit.models.simulation._compare import compare_with_cohort
from decisionkit.models.simulation._individuals import Individuals, per_individual
from decisionkit.models.simulation._model import Microsimulation
from decisionkit.models.simulation._result import MicrosimulationResult

__all__ = [
    "Individuals",
    "Microsimulation",
    "MicrosimulationResult",
    "compare_with_cohort",
    "per_individual",
]
