"""Benchmark: Markov cohort model, 10,000 draws x 3 strategies x 5 states x 60 cycles.

Target (issue 5): <= 2 s. Baseline: a plain per-draw Python loop over the same model (numpy
5x5 products per draw, strategy and cycle), timed on a subset of draws and scaled linearly.

Run: PYTHONPATH=. python benchmarks/bench_cohort.py
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pandas as pd

from decisionkit.models.cohort.markov import MarkovModel
from decisionkit.models.cohort.psa import PSA, Beta, Gamma, LogNormal

N_DRAWS, N_CYCLES, N_BASELINE = 10_000, 60, 300
STATES = ["Well", "Mild", "Moderate", "Severe", "Dead"]
STRATEGIES = ["Usual care", "Drug A", "Drug B"]
EFFECT = {"Usual care": "one", "Drug A": "hr_a", "Drug B": "hr_b"}


def transition(params, cycle, strategy):
    """Progressive disease with age-increasing background mortality."""
    n = params["p_prog"].shape[0]
    hr = np.ones(n) if strategy == "Usual care" else params[EFFECT[strategy]]
    p_prog = 1 - np.exp(-hr * -np.log1p(-params["p_prog"]))
    p_bg = np.minimum(params["p_die"] * 1.08**cycle, 0.2)
    out = np.zeros((n, 5, 5))
    for i in range(3):
        die = p_bg * (1 + i)
        out[:, i, i + 1] = p_prog * (1 - die)
        out[:, i, 4] = die
        out[:, i, i] = 1 - out[:, i, i + 1] - die
    out[:, 3, 4] = np.minimum(4 * p_bg, 1.0)
    out[:, 3, 3] = 1 - out[:, 3, 4]
    out[:, 4, 4] = 1.0
    return out


def state_costs(params, t, strategy):
    drug = {"Usual care": 0.0, "Drug A": 1500.0, "Drug B": 2500.0}[strategy]
    c = params["c_sev"]
    return np.stack([np.full_like(c, drug), 0.3 * c + drug, 0.6 * c + drug, c, 0 * c], 1)


def state_utilities(params, t, strategy):
    u = params["u_mild"]
    return np.stack([np.ones_like(u), u, u - 0.2, u - 0.4, 0 * u], 1)


def make_model():
    return MarkovModel(
        STATES,
        strategies=STRATEGIES,
        transition=transition,
        state_costs=state_costs,
        state_utilities=state_utilities,
        transition_costs={("Severe", "Dead"): 8000.0},
        n_cycles=N_CYCLES,
        dead="Dead",
    )


def sample(n):
    psa = PSA(
        {
            "p_prog": Beta(mean=0.1, sd=0.02),
            "p_die": Beta(mean=0.01, sd=0.002),
            "hr_a": LogNormal(mean=0.7, sd=0.1),
            "hr_b": LogNormal(mean=0.6, sd=0.1),
            "c_sev": Gamma(mean=20_000, sd=4_000),
            "u_mild": Beta(mean=0.85, sd=0.05),
        }
    )
    return psa.sample(n, random_seed=1)


def per_draw_loop(model: MarkovModel, params: pd.DataFrame) -> np.ndarray:
    """Baseline: the same computation one draw at a time (what a naive port would do)."""
    k, n_s = len(STATES), len(STRATEGIES)
    w = np.r_[0.5, np.ones(N_CYCLES - 1), 0.5]
    d = w * 1.035 ** -np.arange(N_CYCLES + 1)
    out = np.zeros((len(params), n_s, 3))
    cols = list(params.columns)
    for i, row in enumerate(params.itertuples(index=False)):
        one = {c: np.array([getattr(row, c)]) for c in cols}
        for j, s in enumerate(STRATEGIES):
            m = np.eye(k)[0]
            for t in range(N_CYCLES + 1):
                out[i, j, 0] += d[t] * m @ state_costs(one, t, s)[0]
                out[i, j, 1] += d[t] * m @ state_utilities(one, t, s)[0]
                out[i, j, 2] += d[t] * m[:4].sum()
                if t < N_CYCLES:
                    p = transition(one, t, s)[0]
                    out[i, j, 0] += 1.035 ** -(t + 1) * m[3] * p[3, 4] * 8000.0
                    m = m @ p
    return out


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    model, params = make_model(), sample(N_DRAWS)
    model.run(params.iloc[:10])  # warm up
    t_vec, res = best_of(lambda: model.run(params), 5)
    tracemalloc.start()
    model.run(params)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    t_trace, _ = best_of(lambda: model.run(params, return_trace=True), 3)
    t_base, base = best_of(lambda: per_draw_loop(model, params.iloc[:N_BASELINE]), 2)
    vec = np.stack(
        [res.values[m].to_numpy()[:N_BASELINE] for m in ("cost", "qaly", "life_years")], -1
    )
    assert np.allclose(vec, base), "vectorised and per-draw results differ"
    print(
        f"Markov cohort: {N_DRAWS:,} draws x {len(STRATEGIES)} strategies x {len(STATES)} states "
        f"x {N_CYCLES} cycles"
    )
    print(
        f"  decisionkit MarkovModel.run           best of 5: {t_vec:.3f} s  (target <= 2 s), "
        f"peak traced memory {peak:.0f} MB"
    )
    print(f"  ... with return_trace=True            best of 3: {t_trace:.3f} s")
    print(
        f"  baseline per-draw loop on {N_BASELINE} draws  best of 2: {t_base:.3f} s "
        f"-> {t_base * N_DRAWS / N_BASELINE:.1f} s scaled to {N_DRAWS:,} draws "
        f"({t_base * N_DRAWS / N_BASELINE / t_vec:.0f}x slower)"
    )
    print("  results agree with the baseline on the first", N_BASELINE, "draws")


if __name__ == "__main__":
    main()
