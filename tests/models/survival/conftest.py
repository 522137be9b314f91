"""Simulated survival data shared by the survival tests (seeded; no external data)."""

import numpy as np
import pandas as pd
import pytest


def simulate_weibull(n, shape, scale, *, censor_rate=0.05, admin=None, seed=0, effect=None):
    """Weibull (AFT, flexsurv parameterisation) times with exponential censoring.

    ``effect``: multiply the scale of arm "B" by exp(effect); half the patients are in each arm.
    """
    rng = np.random.default_rng(seed)
    arm = np.where(np.arange(n) % 2 == 0, "A", "B")
    sc = scale * np.where(arm == "B", np.exp(effect or 0.0), 1.0)
    t = sc * rng.weibull(shape, n)
    c = rng.exponential(1 / censor_rate, n) if censor_rate else np.full(n, np.inf)
    if admin is not None:
        c = np.minimum(c, admin)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "arm": arm})


@pytest.fixture(scope="session")
def simulate():
    """The simulator above, for tests that need their own data."""
    return simulate_weibull


@pytest.fixture(scope="session")
def weibull_frame():
    return simulate_weibull(400, 1.4, 8.0, censor_rate=0.04, admin=15.0, seed=11, effect=0.5)
