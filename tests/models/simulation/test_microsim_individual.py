"""What a cohort cannot carry: time in state, attributes and history (per-individual functions)."""

import numpy as np
import pandas as pd
import pytest

from decisionkit.models import LifeTable, MarkovModel
from decisionkit.models.simulation import Microsimulation, compare_with_cohort, per_individual

P_WS, P_WD, P_SW = 0.1, 0.01, 0.1
P_SD = (0.3, 0.15, 0.05)  # death from Sick after 0, 1, >= 2 completed cycles in Sick


def semi_markov_transition(ind, params, cycle, strategy):
    tis = np.minimum(ind.time_in_state, 2)
    p_sd = np.asarray(P_SD)[tis]
    well = np.column_stack(
        [np.full(ind.n, 1 - P_WS - P_WD), np.full(ind.n, P_WS), np.full(ind.n, P_WD)]
    )
    sick = np.column_stack([np.full(ind.n, P_SW), 1 - P_SW - p_sd, p_sd])
    dead = np.tile([0.0, 0.0, 1.0], (ind.n, 1))
    out = np.where(ind.in_state("Well")[:, None], well, sick)
    return np.where(ind.in_state("Dead")[:, None], dead, out)


def tunnel_cohort() -> MarkovModel:
    # The same process as a cohort needs tunnel states Sick0, Sick1, Sick2+ (Hawkins et al.
    # 2005, Med Decis Making 25:694): Sick_k = k completed cycles in Sick.
    p = np.zeros((5, 5))
    p[0] = [1 - P_WS - P_WD, P_WS, 0, 0, P_WD]
    for k, nxt in ((1, 2), (2, 3), (3, 3)):
        p_sd = P_SD[k - 1]
        p[k, 0], p[k, 4], p[k, nxt] = P_SW, p_sd, 1 - P_SW - p_sd
    p[4, 4] = 1.0
    return MarkovModel(
        ["Well", "Sick0", "Sick1", "Sick2", "Dead"],
        strategies=["Only"],
        transition=p,
        state_costs=[100.0, 1000.0, 1000.0, 1000.0, 0.0],
        state_utilities=[0.9, 0.5, 0.5, 0.5, 0.0],
        n_cycles=25,
        dead="Dead",
    )


def test_time_in_state_model_matches_tunnel_state_cohort_within_3_mcse():
    sim = Microsimulation(
        ["Well", "Sick", "Dead"],
        strategies=["Only"],
        transition=per_individual(semi_markov_transition),
        state_costs=[100.0, 1000.0, 0.0],
        state_utilities=[0.9, 0.5, 0.0],
        n_cycles=25,
        dead="Dead",
    )
    table = compare_with_cohort(sim, cohort=tunnel_cohort(), population=30_000, random_seed=15)
    assert table["within_3_mcse"].all(), table


def gompertz_death(age):
    return 1 - np.exp(-0.001 * np.exp(0.08 * (age - 40)) * 0.5)  # half-year cycles


def age_model(**kw):
    return Microsimulation(
        ["Alive", "Dead"],
        strategies=["Only"],
        transition=per_individual(
            lambda ind, params, cycle, s: (
                np.column_stack([1 - gompertz_death(ind.age), gompertz_death(ind.age)])
                * ind.in_state("Alive")[:, None]
                + np.array([0.0, 1.0]) * ind.in_state("Dead")[:, None]
            )
        ),
        state_costs=[1.0, 0.0],
        state_utilities=[1.0, 0.0],
        n_cycles=60,
        cycle_length=0.5,
        dead="Dead",
        **kw,
    )


def age_cohort(age0):
    # A homogeneous cohort aged age0 is at age age0 + cycle * 0.5 in cycle `cycle`.
    def transition(params, cycle, s):
        p = gompertz_death(age0 + cycle * 0.5)
        return np.array([[1 - p, p], [0.0, 1.0]])

    return MarkovModel(
        ["Alive", "Dead"],
        strategies=["Only"],
        transition=transition,
        state_costs=[1.0, 0.0],
        state_utilities=[1.0, 0.0],
        n_cycles=60,
        cycle_length=0.5,
        dead="Dead",
    )


def test_age_advances_by_the_cycle_length_like_a_cohort_clock():
    pop = pd.DataFrame({"age": np.full(20_000, 60.0)})
    table = compare_with_cohort(age_model(), cohort=age_cohort(60.0), population=pop, random_seed=4)
    assert table["within_3_mcse"].all(), table


def test_heterogeneous_ages_average_the_cohorts_of_each_age():
    pop = pd.DataFrame({"age": np.repeat([45.0, 75.0], 15_000)})
    res = age_model().run(population=pop, random_seed=8).summary()
    expected = np.mean([float(age_cohort(a).run({}).mean()["life_years"][0]) for a in (45, 75)])
    assert abs(res["life_years"][0] - expected) <= 3 * res["life_years_mcse"][0]


def test_with_age_frozen_the_old_stay_at_their_starting_risk():
    pop = pd.DataFrame({"age": np.full(20_000, 60.0)})
    frozen = (
        age_model(age_column=None).run(population=pop, random_seed=4).summary()["life_years"][0]
    )
    ageing = age_model().run(population=pop, random_seed=4).summary()["life_years"][0]
    assert frozen > ageing + 1


def test_history_limits_sickness_to_one_episode():
    def transition(ind, params, cycle, s):
        ever_sick = ind.visits[:, 1] > 0
        p_ws = np.where(ever_sick, 0.0, 0.3)
        well = np.column_stack([1 - p_ws - 0.02, p_ws, np.full(ind.n, 0.02)])
        rows = np.where(ind.in_state("Well")[:, None], well, np.array([[0.5, 0.4, 0.1]]))
        return np.where(ind.in_state("Dead")[:, None], np.array([[0.0, 0.0, 1.0]]), rows)

    sim = Microsimulation(
        ["Well", "Sick", "Dead"],
        strategies=["Only"],
        transition=per_individual(transition),
        state_costs=[0.0, 1.0, 0.0],
        state_utilities=[1.0, 0.5, 0.0],
        n_cycles=30,
        dead="Dead",
    )
    frame = sim.run(population=2_000, random_seed=2, return_histories=True).histories_frame()
    wide = frame.pivot(index="individual", columns="cycle", values="state").to_numpy()
    sick = wide == "Sick"
    entries = (sick[:, 1:] & ~sick[:, :-1]).sum(axis=1)
    assert entries.max() == 1
    assert (entries == 1).mean() > 0.5


def test_update_changes_attributes_each_cycle():
    # Closed form: cost = attribute x, which starts at 0 and update adds 1 each cycle; with no
    # deaths, no discounting and counting at the start of each cycle the total is
    # sum_{t=0}^{n-1} t = n (n - 1) / 2.
    n = 12
    sim = Microsimulation(
        ["Alive", "Dead"],
        strategies=["Only"],
        transition=np.eye(2),
        state_costs=per_individual(lambda ind, p, c, s: ind.x),
        state_utilities=[1.0, 0.0],
        n_cycles=n,
        discount_cost=0,
        discount_effect=0,
        within_cycle="none",
        dead="Dead",
        absorbing="Alive",
        update=lambda ind, p, c, s: {"x": ind.x + 1},
    )
    res = sim.run(population=pd.DataFrame({"x": np.zeros(10)}), random_seed=0).summary()
    assert res["cost"][0] == pytest.approx(n * (n - 1) / 2)
    assert res["cost_mcse"][0] == 0.0


# ---------------------------------------------------------------- life tables
AGES = np.arange(40, 111)
DISEASE = np.array([[0.85, 0.1, 0.05], [0.1, 0.8, 0.1], [0.0, 0.0, 1.0]])


def gompertz_table(by_sex=False):
    if not by_sex:
        return LifeTable(pd.DataFrame({"age": AGES, "rate": 0.002 * np.exp(0.09 * (AGES - 40))}))
    frame = pd.DataFrame(
        {
            "age": np.tile(AGES, 2),
            "sex": np.repeat(["female", "male"], AGES.size),
            "rate": np.concatenate([base * np.exp(0.09 * (AGES - 40)) for base in (0.0015, 0.003)]),
        }
    )
    return LifeTable(frame, sex="sex")


def life_table_sim(table, **kw):
    return Microsimulation(
        ["Well", "Sick", "Dead"],
        strategies=["Only"],
        transition=DISEASE,
        state_costs=[100.0, 1000.0, 0.0],
        state_utilities=[0.9, 0.6, 0.0],
        n_cycles=30,
        dead="Dead",
        background_mortality=table,
        start_age=50,
        **kw,
    )


@pytest.mark.parametrize("own_ages", [False, True])
def test_life_table_mortality_at_each_individuals_age_matches_the_cohort(own_ages):
    # Everyone aged 50: reading the life table at each individual's advancing age (the
    # per-individual path) or at the cohort's age (the compiled path) estimates the cohort.
    sim = life_table_sim(gompertz_table())
    population = pd.DataFrame({"age": np.full(20_000, 50.0)}) if own_ages else 20_000
    table = compare_with_cohort(sim, population=population, random_seed=21)
    assert table["within_3_mcse"].all(), table


def test_life_table_by_sex_uses_each_individuals_sex():
    # Half women, half men: the mean is the average of the two single-sex cohorts.
    table = gompertz_table(by_sex=True)
    people = pd.DataFrame({"age": 50.0, "sex": np.repeat(["female", "male"], 10_000)})
    res = life_table_sim(table).run(population=people, random_seed=5).summary()
    cohorts = [
        float(life_table_sim(table, sex=s).to_cohort().run({}).mean()["life_years"][0])
        for s in ("female", "male")
    ]
    assert cohorts[0] > cohorts[1] + 0.3
    assert abs(res["life_years"][0] - np.mean(cohorts)) <= 3 * res["life_years_mcse"][0]
