"""Small synthetic demo data generated on the fly (no files), used by the dashboard.

Both generators are seeded and fully documented below, so the same seed gives the same
numbers on every machine. They are illustrations, not evidence about any real treatment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from decisionkit._validation import Interval, check_random_state, validate_params
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["DEMO_ACTIONS", "demo_outcomes", "demo_patients"]

DEMO_ACTIONS = ("Standard care", "Drug A", "Drug B")


def _gamma(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    """Gamma draws parameterised by mean and sd (shape = (mean/sd)^2, scale = sd^2/mean)."""
    return rng.gamma((mean / sd) ** 2, sd**2 / mean, size)


@validate_params({"n_draws": Interval(2, None, integer=True), "random_seed": "random_state"})
def demo_outcomes(n_draws: int = 2000, *, random_seed: int | np.random.Generator | None = 2024):
    r"""Probabilistic sensitivity analysis draws of cost and QALYs for three treatments.

    A synthetic PSA in the style of a health-economic evaluation. For each draw :math:`s`,
    the input parameters are drawn independently:

    ============== ================================ ==================================
    parameter      distribution                     meaning
    ============== ================================ ==================================
    ``qaly_sc``    Normal(6.0, 0.3)                 QALYs under standard care
    ``dqaly_a``    Normal(0.20, 0.08)               QALYs gained by Drug A
    ``dqaly_b``    Normal(0.35, 0.15)               QALYs gained by Drug B
    ``cost_sc``    Gamma(mean 10,000, sd 1,000)     cost of standard care
    ``dcost_a``    Gamma(mean 4,000, sd 600)        extra cost of Drug A
    ``dcost_b``    Gamma(mean 15,000, sd 2,000)     extra cost of Drug B
    ============== ================================ ==================================

    and the outcomes are ``qaly = qaly_sc + dqaly_<action>`` and
    ``cost = cost_sc + dcost_<action>`` (0 increments for standard care). The mean ICERs are
    20,000 per QALY (Drug A vs standard care) and about 73,000 per QALY (Drug B vs Drug A),
    so the recommendation moves from standard care to Drug A to Drug B as the willingness to
    pay rises across 0-100,000 per QALY.

    Parameters
    ----------
    n_draws : int
        Number of PSA draws (>= 2).
    random_seed : int, numpy Generator or None
        Seed; the same seed gives the same draws.

    Returns
    -------
    OutcomeDistribution
        Metrics ``cost`` (currency units) and ``qaly``; actions :data:`DEMO_ACTIONS`; the six
        parameters above attached as ``inputs``.

    Examples
    --------
    >>> out = demo_outcomes(500, random_seed=1)
    >>> out.actions, out.metrics
    (['Standard care', 'Drug A', 'Drug B'], ['cost', 'qaly'])
    """
    n = int(n_draws)
    rng = check_random_state(random_seed)
    inputs = pd.DataFrame(
        {
            "qaly_sc": rng.normal(6.0, 0.3, n),
            "dqaly_a": rng.normal(0.20, 0.08, n),
            "dqaly_b": rng.normal(0.35, 0.15, n),
            "cost_sc": _gamma(rng, 10_000.0, 1_000.0, n),
            "dcost_a": _gamma(rng, 4_000.0, 600.0, n),
            "dcost_b": _gamma(rng, 15_000.0, 2_000.0, n),
        }
    )
    zero = np.zeros(n)
    qaly = inputs["qaly_sc"].to_numpy()[:, None] + np.column_stack(
        [zero, inputs["dqaly_a"], inputs["dqaly_b"]]
    )
    cost = inputs["cost_sc"].to_numpy()[:, None] + np.column_stack(
        [zero, inputs["dcost_a"], inputs["dcost_b"]]
    )
    return OutcomeDistribution.from_arrays(
        {"cost": cost, "qaly": qaly}, actions=list(DEMO_ACTIONS), inputs=inputs
    )


@validate_params({"n_patients": Interval(2, None, integer=True), "random_seed": "random_state"})
def demo_patients(
    n_patients: int = 500, *, random_seed: int | np.random.Generator | None = 2024
) -> pd.DataFrame:
    r"""A synthetic patient table: an observed 0/1 outcome and two models' predicted risks.

    For patient :math:`i`, a latent severity :math:`x_i \sim N(0, 1)` sets the true risk
    :math:`p_i = \operatorname{expit}(-2 + 1.2 x_i)` (about 17% events) and the outcome
    :math:`y_i \sim \operatorname{Bernoulli}(p_i)`. ``model_a`` reports :math:`p_i` itself (a
    well-calibrated, informative model); ``model_b`` sees the severity through noise,
    :math:`\operatorname{expit}(-2 + 1.2 (x_i + e_i))` with :math:`e_i \sim N(0, 1)` (a weaker
    model).

    Parameters
    ----------
    n_patients : int
        Number of patients (>= 2).
    random_seed : int, numpy Generator or None
        Seed; the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        Columns ``outcome`` (0/1), ``model_a`` and ``model_b`` (risks in (0, 1)); the layout
        :func:`decisionkit.io.read_patient_csv` reads.
    """
    n = int(n_patients)
    rng = check_random_state(random_seed)
    severity = rng.normal(0.0, 1.0, n)
    noise = rng.normal(0.0, 1.0, n)
    risk_a = 1.0 / (1.0 + np.exp(-(-2.0 + 1.2 * severity)))
    risk_b = 1.0 / (1.0 + np.exp(-(-2.0 + 1.2 * (severity + noise))))
    outcome = (rng.random(n) < risk_a).astype(int)
    return pd.DataFrame({"outcome": outcome, "model_a": risk_a, "model_b": risk_b})
