"""Tests for decisionkit.models.cohort.markov (Markov cohort models vectorised over draws)."""

import numpy as np
import pandas as pd
import pytest

from decisionkit import OutcomeDistribution
from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort.markov import MarkovModel, within_cycle_weights

P_DIE = 0.1
Q = 1 - P_DIE
N = 20


def two_state(p=P_DIE, **kwargs):
    """Alive/Dead model, constant death probability p per cycle, cost 1000 and utility 0.8."""
    opts = {
        "strategies": ["Only"],
        "transition": lambda params, cycle, s: np.array([[1 - p, p], [0.0, 1.0]]),
        "state_costs": [1000.0, 0.0],
        "state_utilities": [0.8, 0.0],
        "n_cycles": N,
        "discount_cost": 0.0,
        "discount_effect": 0.0,
        "within_cycle": "none",
        "dead": "Dead",
    }
    opts.update(kwargs)
    return MarkovModel(["Alive", "Dead"], **opts)


def ly(result):
    return float(result.mean()["life_years"].iloc[0])


DUMMY = pd.DataFrame({"x": [0.0, 0.0]})


# ---------------------------------------------------------------- closed forms
def test_two_state_life_years_undiscounted_is_geometric_series():
    # Sonnenberg & Beck (1993): counting the cohort at the start of each cycle,
    # LY = sum_{t=0}^{n-1} q^t = (1 - q^n) / (1 - q).
    assert ly(two_state().run(DUMMY)) == pytest.approx((1 - Q**N) / (1 - Q), rel=1e-12)


def test_two_state_life_years_discounted_is_geometric_series_in_q_over_1_plus_r():
    # With annual discount r, LY = sum_{t=0}^{n-1} (q / (1 + r))^t.
    r = 0.035
    x = Q / (1 + r)
    res = two_state(discount_effect=r).run(DUMMY)
    assert ly(res) == pytest.approx((1 - x**N) / (1 - x), rel=1e-12)


@pytest.mark.parametrize("r", [0.0, 0.03])
def test_half_cycle_correction_subtracts_half_of_first_and_last_trace_points(r):
    # Trapezoid (life-table) rule: sum_{t=0}^{n} w_t x^t with w_0 = w_n = 1/2
    # = (1 - x^n)/(1 - x) - 1/2 + x^n / 2, x = q/(1+r).
    x = Q / (1 + r)
    expected = (1 - x**N) / (1 - x) - 0.5 + x**N / 2
    res = two_state(discount_effect=r, within_cycle="half-cycle").run(DUMMY)
    assert ly(res) == pytest.approx(expected, rel=1e-12)


def test_end_of_cycle_counting_starts_after_first_transition():
    # Counting at the end of each cycle: sum_{t=1}^{n} q^t = q (1 - q^n) / (1 - q).
    res = two_state(within_cycle="end").run(DUMMY)
    assert ly(res) == pytest.approx(Q * (1 - Q**N) / (1 - Q), rel=1e-12)


def test_cycle_length_scales_time_and_discounting():
    # Half-year cycles: LY = 0.5 * sum_{t=0}^{n-1} q^t (1+r)^{-t/2}.
    r = 0.04
    x = Q * (1 + r) ** -0.5
    res = two_state(cycle_length=0.5, discount_effect=r).run(DUMMY)
    assert ly(res) == pytest.approx(0.5 * (1 - x**N) / (1 - x), rel=1e-12)


def test_costs_and_qalys_are_state_values_times_occupancy():
    # Cost 1000 and utility 0.8 per year alive: cost = 1000 LY, QALY = 0.8 LY (undiscounted).
    res = two_state().run(DUMMY).mean().iloc[0]
    lys = (1 - Q**N) / (1 - Q)
    assert res["cost"] == pytest.approx(1000 * lys)
    assert res["qaly"] == pytest.approx(0.8 * lys)


def test_separate_discount_rates_for_costs_and_effects():
    rc, re = 0.05, 0.0
    res = two_state(discount_cost=rc, discount_effect=re).run(DUMMY).mean().iloc[0]
    xc = Q / (1 + rc)
    assert res["cost"] == pytest.approx(1000 * (1 - xc**N) / (1 - xc))
    assert res["qaly"] == pytest.approx(0.8 * (1 - Q**N) / (1 - Q))


def test_transition_cost_charged_on_deaths_discounted_at_end_of_cycle():
    # Deaths in cycle t (1-based) = q^{t-1} p, each costing 5000, discounted (1+r)^{-t}.
    r = 0.03
    model = two_state(
        state_costs=[0.0, 0.0], discount_cost=r, transition_costs={("Alive", "Dead"): 5000.0}
    )
    t = np.arange(1, N + 1)
    expected = np.sum(5000 * Q ** (t - 1) * P_DIE * (1 + r) ** -t)
    assert float(model.run(DUMMY).mean()["cost"].iloc[0]) == pytest.approx(expected)


def test_time_varying_transition_matches_product_of_survival_probabilities():
    # p_t = 0.01 (t + 1): alive at start of cycle t = prod_{s<t} (1 - p_s).
    model = two_state(
        transition=lambda params, c, s: np.array([[1 - 0.01 * (c + 1), 0.01 * (c + 1)], [0, 1]])
    )
    surv = np.cumprod(np.r_[1.0, 1 - 0.01 * (np.arange(N - 1) + 1)])
    assert ly(model.run(DUMMY)) == pytest.approx(surv.sum())


def test_mean_trace_is_q_to_the_t():
    res = two_state().run(DUMMY)
    alive = res.mean_trace.sel(strategy="Only", state="Alive").to_numpy()
    assert np.allclose(alive, Q ** np.arange(N + 1))
    assert list(res.trace_frame().columns) == ["strategy", "cycle", "time", "state", "proportion"]


@pytest.mark.parametrize("n", [4, 5, 7])
def test_simpson_weights_integrate_cubics_exactly(n):
    # Simpson's 1/3 rule (even n) and 1/3 + 3/8 (odd n) are exact for cubics:
    # integral_0^n t^3 dt = n^4 / 4 (Elbasha & Chhatwal 2016).
    w = within_cycle_weights(n, "simpson")
    t = np.arange(n + 1.0)
    assert w @ t**3 == pytest.approx(n**4 / 4)


def test_simpson_weights_for_four_cycles():
    # Composite Simpson's rule: (1, 4, 2, 4, 1) / 3.
    assert np.allclose(within_cycle_weights(4, "simpson"), np.array([1, 4, 2, 4, 1]) / 3)


def test_explicit_weights_equal_the_named_method():
    w = within_cycle_weights(N, "half-cycle")
    assert ly(two_state(within_cycle=w).run(DUMMY)) == pytest.approx(
        ly(two_state(within_cycle="half-cycle").run(DUMMY))
    )


# ---------------------------------------------------------------- vectorisation and outputs
def _draw_model():
    def transition(params, cycle, strategy):
        p = params["p_die"] * (0.5 if strategy == "New" else 1.0)
        out = np.zeros((len(p), 3, 3))
        out[:, 0, 0] = 1 - p - params["p_sick"]
        out[:, 0, 1] = params["p_sick"]
        out[:, 0, 2] = p
        out[:, 1, 1] = 1 - 2 * p
        out[:, 1, 2] = 2 * p
        out[:, 2, 2] = 1.0
        return out

    return MarkovModel(
        ["Well", "Sick", "Dead"],
        strategies=["Old", "New"],
        transition=transition,
        state_costs={
            "Old": lambda params, t, s: np.stack(
                [np.zeros_like(params["c_sick"]), params["c_sick"], 0 * params["c_sick"]], 1
            ),
            "New": lambda params, t, s: np.stack(
                [
                    np.full_like(params["c_sick"], 500.0),
                    params["c_sick"] + 500,
                    0 * params["c_sick"],
                ],
                1,
            ),
        },
        state_utilities=[1.0, 0.6, 0.0],
        n_cycles=15,
        within_cycle="half-cycle",
        dead="Dead",
    )


def _draws(n=6, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "p_die": rng.uniform(0.01, 0.1, n),
            "p_sick": rng.uniform(0.05, 0.2, n),
            "c_sick": rng.uniform(1000, 3000, n),
        }
    )


def test_vectorised_run_equals_running_each_draw_alone():
    # The batched matrix products must equal a plain per-draw run of the same model.
    model, draws = _draw_model(), _draws()
    batch = model.run(draws).to_frame()
    for i in range(len(draws)):
        one = model.run(draws.iloc[[i]]).to_frame()
        got = batch[batch["draw"] == i].reset_index(drop=True)
        np.testing.assert_allclose(
            got[["cost", "qaly", "life_years"]], one[["cost", "qaly", "life_years"]]
        )


def test_outcomes_is_outcome_distribution_with_inputs_attached():
    draws = _draws()
    out = _draw_model().run(draws).outcomes
    assert isinstance(out, OutcomeDistribution)
    assert out.actions == ["Old", "New"]
    assert out.metrics == ["cost", "qaly", "life_years"]
    pd.testing.assert_frame_equal(out.inputs, draws)


def test_return_trace_gives_per_draw_occupancy_summing_to_one():
    res = _draw_model().run(_draws(), return_trace=True)
    assert res.trace.dims == ("draw", "strategy", "cycle", "state")
    assert res.trace.shape == (6, 2, 16, 3)
    np.testing.assert_allclose(res.trace.sum("state"), 1.0)
    np.testing.assert_allclose(res.trace.mean("draw"), res.mean_trace)


def test_run_accepts_a_dict_of_scalars_for_a_base_case():
    res = _draw_model().run({"p_die": 0.05, "p_sick": 0.1, "c_sick": 2000.0})
    assert res.n_draws == 1
    with pytest.raises(ValidationError, match="at least 2 draws"):
        res.outcomes  # noqa: B018


# ---------------------------------------------------------------- errors
def _bad_row(params, cycle, strategy):
    p = np.tile(np.array([[0.9, 0.1], [0.0, 1.0]]), (len(params["x"]), 1, 1))
    if cycle == 3 and strategy == "B":
        p[1, 0, 0] = 0.95  # draw 1, row 'Alive' sums to 1.05
    return p


@pytest.mark.parametrize(
    ("kwargs", "params", "fragment"),
    [
        (
            {"strategies": ["A", "B"], "transition": _bad_row},
            DUMMY,
            "strategy 'B' at cycle 3 is invalid in row (from state) 'Alive', draw 1",
        ),
        (
            {"transition": lambda p, c, s: np.array([[1.2, -0.2], [0.0, 1.0]])},
            DUMMY,
            "every probability is in [0, 1]",
        ),
        ({"transition": lambda p, c, s: np.eye(3)}, DUMMY, "expected (2, 2, 2)"),
        ({"state_costs": [1.0, np.nan]}, DUMMY, "NaN"),
        ({"dead": "Gone"}, DUMMY, "not among the states"),
        ({"strategies": ["A", "B"], "state_costs": {"A": [0, 0]}}, DUMMY, "missing ['B']"),
        ({"strategies": ["A", "A"]}, DUMMY, "unique names"),
        ({"initial": [0.5, 0.6]}, DUMMY, "summing to 1"),
        ({"within_cycle": "trapezoid"}, DUMMY, "'within_cycle' parameter"),
        ({"within_cycle": "simpson", "n_cycles": 1}, DUMMY, "at least 2 cycles"),
        ({"within_cycle": [1.0, 1.0]}, DUMMY, "21 non-negative weights"),
        ({"n_cycles": 0}, DUMMY, "'n_cycles' parameter"),
        ({"discount_cost": -0.1}, DUMMY, "'discount_cost' parameter"),
        ({"transition_costs": {("Alive", "Heaven"): 1.0}}, DUMMY, "'Heaven'"),
        ({}, pd.DataFrame({"x": [0.1, np.nan]}), "Parameter 'x'"),
        ({}, [1, 2], "'params' parameter"),
    ],
)
def test_bad_input_raises_clear_error(kwargs, params, fragment):
    with pytest.raises(ValidationError) as info:
        two_state(**kwargs).run(params)
    assert fragment in str(info.value)
