"""Small models shared by the report tests."""

import numpy as np
import pandas as pd

import decisionkit as dk
from decisionkit.models.cohort.psa import Beta

USER_PSA = dk.models.PSA({"p": Beta(mean=0.3, sd=0.05)})


def user_model(params, scale=1.0):
    """Two options; New costs 100 + 1000 p scale and gives 1 + 0.2 p (closed form)."""
    p = params["p"].to_numpy()
    cost = np.stack([np.full_like(p, 100.0), 100 + 1000 * p * scale], axis=1)
    qaly = np.stack([np.ones_like(p), 1 + 0.2 * p], axis=1)
    return dk.OutcomeDistribution.from_arrays({"cost": cost, "qaly": qaly}, actions=["Old", "New"])


def alive_dead_run(n_cycles):
    """Alive/dead cohort, death probability 0.1 a year, cost 1000 a year alive; 2 draws."""
    model = dk.models.MarkovModel(
        ["Alive", "Dead"],
        strategies=["Care"],
        transition=lambda p, c, s: np.array([[0.9, 0.1], [0.0, 1.0]]),
        state_costs=[1000.0, 0.0],
        state_utilities=[1.0, 0.0],
        n_cycles=n_cycles,
        within_cycle="none",
    )
    return model.run(pd.DataFrame({"x": [0.0, 0.0]}), return_trace=True)
