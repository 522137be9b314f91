import numpy as np
import pytest
from scipy import integrate, stats

from decisionkit.datasets._demo import DEMO_ACTIONS, demo_outcomes, demo_patients
from decisionkit.exceptions import ValidationError


def test_demo_outcomes_same_seed_same_draws():
    assert demo_outcomes(100, random_seed=5) == demo_outcomes(100, random_seed=5)
    assert demo_outcomes(100, random_seed=5) != demo_outcomes(100, random_seed=6)


def test_demo_outcomes_shape_actions_and_inputs():
    out = demo_outcomes(200, random_seed=1)
    assert out.actions == list(DEMO_ACTIONS) and out.metrics == ["cost", "qaly"]
    assert out.n_draws == 200 and out.inputs.shape == (200, 6)


def test_demo_increments_match_documented_means():
    # documented in demo_outcomes: E[dcost_a] = 4,000, E[dqaly_a] = 0.20 (ICER 20,000);
    # E[dcost_b] - E[dcost_a] = 11,000 and E[dqaly_b] - E[dqaly_a] = 0.15 (ICER ~73,333).
    out = demo_outcomes(20_000, random_seed=0)
    d = out.mean().pivot(index="action", columns="metric", values="mean")
    inc_a = d.loc["Drug A"] - d.loc["Standard care"]
    inc_b = d.loc["Drug B"] - d.loc["Drug A"]
    # 4 Monte-Carlo standard errors: sd / sqrt(n) with the documented sds
    n = 20_000
    assert abs(inc_a["cost"] - 4_000) < 4 * 600 / np.sqrt(n)
    assert abs(inc_a["qaly"] - 0.20) < 4 * 0.08 / np.sqrt(n)
    assert abs(inc_b["cost"] - 11_000) < 4 * np.hypot(600, 2_000) / np.sqrt(n)
    assert abs(inc_b["qaly"] - 0.15) < 4 * np.hypot(0.08, 0.15) / np.sqrt(n)


def test_demo_patients_event_rate_matches_its_model():
    # E[y] = E[expit(-2 + 1.2 x)], x ~ N(0, 1), by numerical integration
    expected, _ = integrate.quad(lambda x: stats.norm.pdf(x) / (1 + np.exp(2 - 1.2 * x)), -12, 12)
    df = demo_patients(20_000, random_seed=0)
    se = np.sqrt(expected * (1 - expected) / len(df))
    assert abs(df["outcome"].mean() - expected) < 4 * se
    assert list(df.columns) == ["outcome", "model_a", "model_b"]
    assert df[["model_a", "model_b"]].to_numpy().min() > 0
    assert df[["model_a", "model_b"]].to_numpy().max() < 1


@pytest.mark.parametrize(
    ("func", "kwargs", "fragment"),
    [
        (demo_outcomes, {"n_draws": 1}, "'n_draws' parameter of datasets.demo_outcomes"),
        (demo_patients, {"n_patients": 0}, "'n_patients' parameter of datasets.demo_patients"),
        (demo_outcomes, {"random_seed": -1}, "'random_seed' parameter"),
    ],
)
def test_demo_generators_validate_arguments(func, kwargs, fragment):
    with pytest.raises(ValidationError, match=fragment):
        func(**kwargs)
