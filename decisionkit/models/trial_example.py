"""Bundled teaching problem: switch to a new drug now, or run a trial of it first.

Patients with a chronic condition either respond to first-line treatment or need further
care. The health service can keep **standard care** or switch to a **new drug** that works
better on average but costs more, and whose evidence comes from a small pilot:

==========================  ===============================  ==============================
                            Standard care                    New drug
==========================  ===============================  ==============================
response rate evidence      40 responders of 100 (earlier    10 responders of 20 (pilot):
                            trials): Beta(40, 60), mean 40%  Beta(10, 10), mean 50%
drug cost per patient       500                              1,700
==========================  ===============================  ==============================

Non-responders need further care costing 4,000; a response gains QALYs with mean 0.3 (sd 0.05,
Gamma). The expected incremental net benefit of the new drug is therefore
``0.1 * 0.3 * wtp - 800 = 0.03 wtp - 800`` (currency units per patient): it pays off above a
willingness to pay of about 26,700 per QALY, but the response rates are uncertain, so a
two-arm trial of the response rates (``dk.voi.TwoArmBinary("p_standard", "p_new")``) may be
worth its cost. The numbers are hypothetical, for teaching. The dashboard's *Should we study
more?* page uses this problem.
"""

from __future__ import annotations

from typing import Any

from decisionkit._validation import validate_params
from decisionkit.models.cohort.psa import PSA, Beta, Gamma
from decisionkit.models.cohort.tree import Chance, DecisionTree, Terminal
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["TRIAL_EXAMPLE", "trial_example_outcomes", "trial_example_parameters"]

TRIAL_EXAMPLE: dict[str, Any] = {
    "standard_responders": 40,
    "standard_patients": 100,
    "new_responders": 10,
    "new_patients": 20,
    "cost_standard": 500.0,
    "cost_new": 1_700.0,
    "cost_further_care": 4_000.0,
    "qaly_per_response_mean": 0.3,
    "qaly_per_response_sd": 0.05,
}
"""The problem's evidence and costs (see the module docstring)."""


def trial_example_parameters() -> PSA:
    """PSA of the two response rates (Beta from counts) and the QALY gain per response."""
    e = TRIAL_EXAMPLE
    return PSA(
        {
            "p_standard": Beta.from_counts(
                e["standard_responders"], e["standard_patients"] - e["standard_responders"]
            ),
            "p_new": Beta.from_counts(e["new_responders"], e["new_patients"] - e["new_responders"]),
            "qaly_per_response": Gamma(
                mean=e["qaly_per_response_mean"], sd=e["qaly_per_response_sd"]
            ),
        }
    )


def _arm(name: str, p: str, drug_cost: float) -> Chance:
    further = TRIAL_EXAMPLE["cost_further_care"]
    return Chance(
        name,
        [
            (p, Terminal("Response", cost=0.0, qaly="qaly_per_response")),
            ("rest", Terminal("No response", cost=further, qaly=0.0)),
        ],
        payoffs={"cost": drug_cost},
    )


@validate_params({"random_seed": "random_state"})
def trial_example_outcomes(n_draws: int = 2_000, *, random_seed: Any = None) -> OutcomeDistribution:
    """Cost and QALY draws of "Standard care" and "New drug", with the parameters attached.

    Examples
    --------
    >>> import decisionkit as dk
    >>> from decisionkit.models.trial_example import trial_example_outcomes
    >>> out = trial_example_outcomes(2000, random_seed=1)
    >>> out.actions
    ['Standard care', 'New drug']
    """
    tree = DecisionTree(
        {
            "Standard care": _arm("Standard care", "p_standard", TRIAL_EXAMPLE["cost_standard"]),
            "New drug": _arm("New drug", "p_new", TRIAL_EXAMPLE["cost_new"]),
        }
    )
    return tree.evaluate(trial_example_parameters().sample(n_draws, random_seed=random_seed))
