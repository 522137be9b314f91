"""Reproducibility and clear errors for bad microsimulation specifications."""

import re

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models.simulation import Microsimulation, per_individual

GOOD = np.array([[0.8, 0.15, 0.05], [0.0, 0.9, 0.1], [0.0, 0.0, 1.0]])


def model(**kw):
    opts = {
        "strategies": ["A", "B"],
        "transition": GOOD,
        "state_costs": [10.0, 50.0, 0.0],
        "state_utilities": [1.0, 0.6, 0.0],
        "n_cycles": 8,
        "dead": "Dead",
    }
    opts.update(kw)
    return Microsimulation(["Well", "Ill", "Dead"], **opts)


def test_same_seed_gives_identical_numbers():
    a = model().run(population=500, random_seed=42)
    b = model().run(population=500, random_seed=42)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert np.array_equal(a.mean_trace.values, b.mean_trace.values)


def test_different_seeds_give_different_numbers():
    a = model().run(population=500, random_seed=1).summary()
    b = model().run(population=500, random_seed=2).summary()
    assert not np.allclose(a["cost"], b["cost"])


def test_generator_seed_is_accepted_and_reproducible():
    a = model().run(population=300, random_seed=np.random.default_rng(9)).summary()
    b = model().run(population=300, random_seed=np.random.default_rng(9)).summary()
    pd.testing.assert_frame_equal(a, b)


def test_histories_frame_is_tidy_and_starts_in_the_initial_state():
    res = model(initial="Well").run(population=50, random_seed=1, return_histories=True)
    frame = res.histories_frame()
    assert list(frame.columns) == ["individual", "strategy", "cycle", "time", "state"]
    assert len(frame) == 50 * 2 * 9
    assert (frame.loc[frame["cycle"] == 0, "state"] == "Well").all()
    # dead is absorbing: once dead, dead at every later cycle
    wide = frame[frame["strategy"] == "A"].pivot(
        index="individual", columns="cycle", values="state"
    )
    dead = (wide == "Dead").to_numpy()
    assert np.all(dead[:, 1:] >= dead[:, :-1])


def test_initial_proportions_are_sampled_per_individual():
    res = model(initial=[0.5, 0.5, 0.0]).run(population=20_000, random_seed=3)
    start = res.mean_trace.isel(cycle=0).sel(strategy="A").values
    np.testing.assert_allclose(start, [0.5, 0.5, 0.0], atol=0.015)


BAD_P = GOOD.copy()
BAD_P[0] = [1.1, -0.15, 0.05]
SHORT = GOOD.copy()
SHORT[1] = [0.0, 0.8, 0.1]
STUCK = GOOD.copy()
STUCK[1] = [0.0, 1.0, 0.0]
LEAVE_DEAD = GOOD.copy()
LEAVE_DEAD[2] = [0.1, 0.0, 0.9]


@pytest.mark.parametrize(
    ("kwargs", "run_kwargs", "message"),
    [
        ({"transition": BAD_P}, {}, "row (from state) 'Well'"),
        ({"transition": SHORT}, {}, "sums to 0.9"),
        ({"transition": STUCK}, {}, "state 'Ill' has no exit"),
        ({"transition": LEAVE_DEAD}, {}, "dead state 'Dead' can be left"),
        (
            {"transition": per_individual(lambda ind, p, c, s: GOOD[ind.state] * 1.2)},
            {},
            "sums to 1.2",
        ),
        (
            {
                "transition": per_individual(
                    lambda ind, p, c, s: np.where(True, -GOOD, 0)[ind.state]
                )
            },
            {},
            "must be in [0, 1]",
        ),
        (
            {"transition": per_individual(lambda ind, p, c, s: GOOD)},
            {},
            "expected (40, 3)",
        ),
        (
            {"state_costs": per_individual(lambda ind, p, c, s: np.full(ind.n, np.nan))},
            {},
            "NaN",
        ),
        ({}, {"population": pd.DataFrame({"age": [50.0, np.nan] * 20})}, "'age' of the population"),
        ({}, {"population": 1}, "'population' parameter"),
        ({}, {"population": "many"}, "'population' parameter"),
        ({}, {"common_random_numbers": "yes"}, "common_random_numbers"),
        ({}, {"random_seed": -1}, "random_seed"),
        (
            {},
            {"params": pd.DataFrame({"x": [1.0, 2.0]}), "return_histories": True},
            "one parameter set",
        ),
        (
            {"update": lambda ind, p, c, s: {"age": ind.age * np.nan}},
            {"population": pd.DataFrame({"age": np.full(40, 60.0)})},
            "update made attribute 'age' NaN",
        ),
        ({"update": lambda ind, p, c, s: [1, 2]}, {}, "must return a dict"),
    ],
)
def test_bad_specifications_give_clear_errors(kwargs, run_kwargs, message):
    opts = {"population": 40, "random_seed": 0}
    opts.update(run_kwargs)
    with pytest.raises(ValidationError, match=re.escape(message)):
        model(**kwargs).run(**opts)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"absorbing": ["Nowhere"]}, "'absorbing' parameter"),
        ({"update": 3}, "'update' parameter"),
        ({"age_column": 5}, "'age_column' parameter"),
        ({"n_cycles": 0}, "'n_cycles' parameter"),
        ({"dead": "Gone"}, "not among the states"),
    ],
)
def test_bad_constructor_arguments_are_rejected(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        model(**kwargs)


def test_absorbing_alive_state_is_allowed_when_declared():
    res = model(transition=STUCK, absorbing="Ill").run(population=100, random_seed=0)
    assert res.summary()["cost"].gt(0).all()


def test_to_cohort_refuses_a_per_individual_model():
    sim = model(transition=per_individual(lambda ind, p, c, s: GOOD[ind.state]))
    with pytest.raises(ValidationError, match="no cohort equivalent"):
        sim.to_cohort()


def test_outcomes_need_two_draws_and_histories_need_the_flag():
    res = model().run(population=100, random_seed=0)
    with pytest.raises(ValidationError, match="at least 2 parameter draws"):
        _ = res.outcomes
    with pytest.raises(ValidationError, match="return_histories=True"):
        res.histories_frame()


def test_individuals_view_is_read_only():
    def transition(ind, params, cycle, strategy):
        ind.state[0] = 2
        return GOOD[ind.state]

    with pytest.raises(ValueError, match="read-only"):
        model(transition=per_individual(transition)).run(population=10, random_seed=0)


def test_user_population_frame_is_not_altered():
    pop = pd.DataFrame({"age": np.full(30, 50.0)})
    before = pop.copy()
    model(update=lambda ind, p, c, s: {}).run(population=pop, random_seed=0)
    pd.testing.assert_frame_equal(pop, before)
