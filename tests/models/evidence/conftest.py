"""A small three-treatment network shared by the evidence tests (one fit per test session)."""

import pandas as pd
import pytest

from decisionkit.models.evidence import NetworkMetaAnalysis


@pytest.fixture(scope="session")
def fast():
    """Short, seeded sampling: 2 chains x 1,000 draws after 500 tuning steps."""
    return {
        "sampler_config": {
            "draws": 1000,
            "tune": 500,
            "chains": 2,
            "cores": 1,
            "progressbar": False,
        }
    }


@pytest.fixture(scope="session")
def abc_trials():
    """A-B, A-C and A-B-C trials: d_B and d_C share the A arms, so their posteriors correlate."""
    return pd.DataFrame(
        [
            ("T1", "A", 30, 200),
            ("T1", "B", 20, 200),
            ("T2", "A", 40, 250),
            ("T2", "C", 22, 240),
            ("T3", "A", 25, 150),
            ("T3", "B", 18, 150),
            ("T3", "C", 15, 160),
        ],
        columns=["study", "treatment", "events", "total"],
    )


@pytest.fixture(scope="session")
def abc_fixed_nma(abc_trials, fast):
    """The fixed-effect NMA of ``abc_trials`` (read-only: tests must not refit it)."""
    return NetworkMetaAnalysis(effects="fixed", random_seed=8, **fast).fit(
        abc_trials, events="events", total="total"
    )
