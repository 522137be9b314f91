"""Benchmark: microsimulation engine (issue 14).

1. 100,000 individuals x 30 cycles x 2 strategies x 4 states (Sick-Sicker, Krijkamp et al.
   2018): target <= 1 s. Baseline: a plain per-cycle numpy loop over all individuals (gather
   each individual's transition row, cumulative sum, compare with a uniform), timed in the
   same run on the same uniforms.
2. PSA: 1,000 draws x 10,000 individuals x 30 cycles x 2 strategies: target <= 30 s on 2 cores
   and <= 2 GB; reports wall and CPU time and peak memory (tracemalloc for numpy/Python
   allocations, and the process's maximum resident set size).

Run: PYTHONPATH=. python benchmarks/bench_microsim.py [--quick]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from benchmarks._harness import best_times, peak_memory, report
from decisionkit.models.cohort.psa import PSA, Beta, Gamma
from decisionkit.models.simulation import Microsimulation, _engine, per_individual

STATES = ["H", "S1", "S2", "D"]
STRATEGIES = ["No Treatment", "Treatment"]
N_CYCLES = 30


def transition(params, cycle, strategy):
    """Sick-Sicker (Krijkamp et al. 2018) vectorised over parameter draws."""
    p_hd, p_hs1 = params["p_HD"], params["p_HS1"]
    p_s1h, p_s1s2 = params["p_S1H"], params["p_S1S2"]
    r_hd = -np.log1p(-p_hd)
    p_s1d, p_s2d = 1 - np.exp(-3 * r_hd), 1 - np.exp(-10 * r_hd)
    n = p_hd.shape[0]
    out = np.zeros((n, 4, 4))
    out[:, 0] = np.column_stack([1 - p_hs1 - p_hd, p_hs1, np.zeros(n), p_hd])
    out[:, 1] = np.column_stack([p_s1h, 1 - p_s1h - p_s1s2 - p_s1d, p_s1s2, p_s1d])
    out[:, 2, 2], out[:, 2, 3] = 1 - p_s2d, p_s2d
    out[:, 3, 3] = 1.0
    return out


def costs(params, t, strategy):
    trt = 12000.0 if strategy == "Treatment" else 0.0
    n = params["c_S1"].shape[0]
    return np.column_stack(
        [np.full(n, 2000.0), params["c_S1"] + trt, params["c_S2"] + trt, np.zeros(n)]
    )


MODEL = Microsimulation(
    STATES,
    strategies=STRATEGIES,
    transition=transition,
    state_costs=costs,
    state_utilities={"No Treatment": [1, 0.75, 0.5, 0], "Treatment": [1, 0.95, 0.5, 0]},
    n_cycles=N_CYCLES,
    discount_cost=0.03,
    discount_effect=0.03,
    within_cycle=np.ones(N_CYCLES + 1),
    dead="D",
)
BASE = {"p_HD": 0.005, "p_HS1": 0.15, "p_S1H": 0.5, "p_S1S2": 0.105, "c_S1": 4000, "c_S2": 15000}
PSA_SPEC = PSA(
    {
        "p_HD": Beta(mean=0.005, sd=0.001),
        "p_HS1": Beta(mean=0.15, sd=0.02),
        "p_S1H": Beta(mean=0.5, sd=0.05),
        "p_S1S2": Beta(mean=0.105, sd=0.015),
        "c_S1": Gamma(mean=4000.0, sd=500.0),
        "c_S2": Gamma(mean=15000.0, sd=2000.0),
    }
)


def baseline_inputs(n):
    """The arrays the numpy baseline needs, built from the same specification."""
    params = {k: np.array([float(v)]) for k, v in BASE.items()}
    p = np.stack([np.repeat(transition(params, 0, s), N_CYCLES, axis=0) for s in STRATEGIES])
    w = (1.03 ** -np.arange(N_CYCLES + 1))[:, None]
    cost = np.stack(
        [np.broadcast_to(w * costs(params, 0, s), (N_CYCLES + 1, 4)) for s in STRATEGIES]
    )
    utils = np.array([[1, 0.75, 0.5, 0], [1, 0.95, 0.5, 0]])
    util = w[None] * utils[:, None, :]
    ly = w * np.array([1.0, 1, 1, 0])
    rng = np.random.default_rng(1)
    return p, cost, util, ly, np.zeros(n, dtype=np.int64), rng.random((n, N_CYCLES))


def bench_individuals(n: int) -> None:
    params = {k: float(v) for k, v in BASE.items()}
    MODEL.run(params, population=1000, random_seed=0)  # compile (or load the numba cache)
    wall, cpu = best_times(lambda: MODEL.run(params, population=n, random_seed=1), repeat=3)
    args = baseline_inputs(n)
    b_wall, b_cpu = best_times(lambda: _engine.numpy_reference(*args), repeat=3)
    res = MODEL.run(params, population=n, random_seed=1).summary()
    ref = _engine.numpy_reference(*args)
    title = f"{n:,} individuals x {N_CYCLES} cycles x 2 strategies x 4 states"
    report("microsimulation " + title, wall, cpu=cpu, target=1.0)
    report("baseline: per-cycle numpy loop", b_wall, cpu=b_cpu)
    print(f"  speed-up (CPU) {b_cpu / cpu:.1f}x, (wall) {b_wall / wall:.1f}x")
    # the same model written per individual (numpy per cycle + compiled sampling step)
    matrix = transition({k: np.array([float(v)]) for k, v in BASE.items()}, 0, None)[0]
    general = Microsimulation(
        STATES,
        strategies=STRATEGIES,
        transition=per_individual(lambda ind, p, c, s: matrix[ind.state]),
        state_costs=costs,
        state_utilities={"No Treatment": [1, 0.75, 0.5, 0], "Treatment": [1, 0.95, 0.5, 0]},
        n_cycles=N_CYCLES,
        discount_cost=0.03,
        discount_effect=0.03,
        within_cycle=np.ones(N_CYCLES + 1),
        dead="D",
    )
    g_wall, g_cpu = best_times(lambda: general.run(params, population=n, random_seed=1), repeat=3)
    report("same model through per_individual functions", g_wall, cpu=g_cpu)
    print(
        f"  mean cost / QALY, No Treatment: engine {res['cost'][0]:,.0f} / {res['qaly'][0]:.4f}"
        f" (MCSE {res['cost_mcse'][0]:,.0f}); baseline {ref[0, 0]:,.0f} / {ref[0, 1]:.4f}"
    )


def bench_psa(n_draws: int, n: int) -> None:
    draws = PSA_SPEC.sample(n_draws, random_seed=2)
    MODEL.run(draws.iloc[:2], population=100, random_seed=0)
    t0, c0 = time.perf_counter(), time.process_time()
    res = MODEL.run(draws, population=n, random_seed=3)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # KiB -> MiB (Linux)
    small = draws.iloc[: max(2, n_draws // 20)]
    peak = peak_memory(lambda: MODEL.run(small, population=n, random_seed=3)) / 2**20
    title = f"PSA {n_draws:,} draws x {n:,} individuals x {N_CYCLES} cycles x 2 strategies"
    report(title, wall, cpu=cpu, target=30.0)
    print(
        f"  peak traced memory {peak:,.0f} MiB (run on {len(small)} draws; the chunk bounds it), "
        f"max RSS of the process {rss:,.0f} MiB (target <= 2048 MiB)"
    )
    out = res.outcomes
    print(
        f"  OutcomeDistribution: {out.n_draws} draws x {out.n_actions} strategies; "
        f"inputs {list(out.inputs.columns)}"
    )
    summary = res.summary()
    print(
        f"  mean cost No Treatment {summary['cost'][0]:,.0f} (sd between draws "
        f"{summary['cost_sd'][0]:,.0f}, first-order MCSE {summary['cost_mcse'][0]:,.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    args = parser.parse_args()
    n_ind, n_draws, n_psa = (10_000, 50, 2_000) if args.quick else (100_000, 1_000, 10_000)
    print(f"numba threads: {_engine.numba.get_num_threads()}")
    bench_individuals(n_ind)
    bench_psa(n_draws, n_psa)


if __name__ == "__main__":
    main()
