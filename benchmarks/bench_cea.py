"""Benchmark: CEAC + CEAF + EVPI for 10,000 draws x 10 strategies x 501 wtp values.

Target (issue 5): <= 0.3 s and <= 500 MB peak. Baselines: a plain per-draw Python loop and
dk.decide() on the net-monetary-benefit grid. Run: ``PYTHONPATH=. python benchmarks/bench_cea.py``.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

import decisionkit as dk

N_DRAWS, N_STRATEGIES = 10_000, 10
WTP = np.arange(0.0, 50_001.0, 100.0)  # 501 values


def make_outcomes(seed: int = 0) -> dk.OutcomeDistribution:
    rng = np.random.default_rng(seed)
    k = N_STRATEGIES
    cost = rng.normal(np.linspace(1_000, 10_000, k), 1_500, (N_DRAWS, k))
    qaly = rng.normal(np.linspace(1.0, 1.5, k), 0.1, (N_DRAWS, k))
    return dk.OutcomeDistribution.from_arrays(
        {"cost": cost, "qaly": qaly}, actions=[f"S{i}" for i in range(k)]
    )


def run_analyze(out):
    ce = dk.cea.analyze(out, wtp=WTP)
    return ce.ceac(), ce.ceaf(), ce.evpi()


def run_decide(out):
    d = dk.decide(out, dk.utility.net_monetary_benefit("qaly", "cost", wtp=WTP))
    return d.table, d.evpi


def run_loop(out):
    """Plain baseline: loop over draws, NB matrix (wtp x strategy) per draw."""
    c, e = out["cost"].values, out["qaly"].values
    wins = np.zeros((WTP.size, c.shape[1]))
    sum_max = np.zeros(WTP.size)
    rows = np.arange(WTP.size)
    for s in range(c.shape[0]):
        nb = WTP[:, None] * e[s] - c[s]
        best = nb.argmax(axis=1)
        wins[rows, best] += 1
        sum_max += nb[rows, best]
    enb = WTP[:, None] * e.mean(axis=0) - c.mean(axis=0)
    ceac = wins / c.shape[0]
    evpi = sum_max / c.shape[0] - enb.max(axis=1)
    return ceac, evpi


def best_time(fn, out, repeat: int) -> tuple[float, float]:
    """Best wall time (perf_counter) and best CPU time (process_time, less load-sensitive)."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn(out)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def peak_mb(fn, out) -> float:
    tracemalloc.start()
    fn(out)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    out = make_outcomes()
    ceac_loop, evpi_loop = run_loop(out)
    ce = dk.cea.analyze(out, wtp=WTP)
    assert np.allclose(ce.prob_best, ceac_loop)
    assert np.allclose(ce.evpi()["evpi"], evpi_loop, rtol=1e-9, atol=1e-6)
    print(f"CEAC + CEAF + EVPI, {N_DRAWS} draws x {N_STRATEGIES} strategies x {WTP.size} wtp")
    print(f"{'method':<24}{'best wall (s)':>14}{'best CPU (s)':>14}{'peak memory (MB)':>18}")
    for name, fn, repeat in [
        ("dk.cea.analyze", run_analyze, 7),
        ("dk.decide (NMB grid)", run_decide, 3),
        ("per-draw Python loop", run_loop, 2),
    ]:
        wall, cpu = best_time(fn, out, repeat)
        print(f"{name:<24}{wall:>14.3f}{cpu:>14.3f}{peak_mb(fn, out):>18.1f}")
    print("target: <= 0.3 s and <= 500 MB for dk.cea.analyze (machine load affects wall time)")


if __name__ == "__main__":
    main()
