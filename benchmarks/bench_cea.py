"""Benchmark: CEAC + CEAF + EVPI for 10,000 (and 1,000,000) draws x 10 strategies x 501 wtp.

Targets (issue 12): dk.cea.analyze <= 15 ms CPU on 10,000 x 10 x 501 and <= 1.5 s on
1,000,000 x 10 x 501 with peak memory <= 1.5x the input (the cost and effect arrays, which the
result shares read-only). Baselines in the same run: a vectorised numpy brute force over
(wtp x draw) blocks, a plain per-draw loop and dk.decide() on the net-monetary-benefit grid.
Run: ``PYTHONPATH=. python benchmarks/bench_cea.py [--large]``; ``--extras`` times BCEA's
extras instead (incremental/EIB intervals, risk aversion, mixed strategy, bootstrapped CEAC).
"""

from __future__ import annotations

import sys
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
    return ce.ceac(), ce.ceaf(), ce.evpi


def run_decide(out):
    d = dk.decide(out, dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=WTP))
    return d.table, d.evpi


def run_numpy(out):
    """Vectorised numpy brute force: NB on (wtp block x draw x strategy), no envelope."""
    c, e = out["cost"].values, out["qaly"].values
    n, k = c.shape
    ceac = np.empty((WTP.size, k))
    emax = np.empty(WTP.size)
    step = max(1, 4_000_000 // (n * k))
    for s in range(0, WTP.size, step):
        w = WTP[s : s + step, None, None]
        nb = w * e[None] - c[None]  # (wtp, draw, strategy)
        top = nb.max(axis=2)
        ceac[s : s + step] = (nb == top[..., None]).mean(axis=1)
        emax[s : s + step] = top.mean(axis=1)
    return ceac, emax


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


def bench_large(n_draws: int = 1_000_000) -> None:
    """1,000,000 x 10 x 501: CPU time and peak traced memory against the input size."""
    rng = np.random.default_rng(1)
    k = N_STRATEGIES
    cost = rng.normal(np.linspace(1_000, 10_000, k), 1_500, (n_draws, k))
    qaly = rng.normal(np.linspace(1.0, 1.5, k), 0.1, (n_draws, k))
    out = dk.OutcomeDistribution.from_arrays({"cost": cost, "qaly": qaly})
    del cost, qaly
    input_mb = 2 * n_draws * k * 8 / 1e6
    wall, cpu = best_time(run_analyze, out, 2)
    peak = peak_mb(run_analyze, out)
    print(
        f"dk.cea.analyze {n_draws:,} x {k} x {WTP.size}: wall {wall:.3f} s, CPU {cpu:.3f} s "
        f"(target <= 1.5 s); peak {peak:.1f} MB above the {input_mb:.0f} MB input = "
        f"{(input_mb + peak) / input_mb:.2f}x the input (target <= 1.5x)"
    )
    wall_b, cpu_b = best_time(run_numpy, out, 1)
    print(f"  numpy brute force: wall {wall_b:.3f} s, CPU {cpu_b:.3f} s; ratio {cpu_b / cpu:.1f}x")


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
    assert np.allclose(ce.evpi, evpi_loop, rtol=1e-9, atol=1e-6)
    print(f"CEAC + CEAF + EVPI, {N_DRAWS} draws x {N_STRATEGIES} strategies x {WTP.size} wtp")
    print(f"{'method':<24}{'best wall (s)':>14}{'best CPU (s)':>14}{'peak memory (MB)':>18}")
    for name, fn, repeat in [
        ("dk.cea.analyze", run_analyze, 7),
        ("numpy brute force", run_numpy, 3),
        ("dk.decide (NMB grid)", run_decide, 3),
        ("per-draw Python loop", run_loop, 2),
    ]:
        wall, cpu = best_time(fn, out, repeat)
        print(f"{name:<24}{wall:>14.3f}{cpu:>14.3f}{peak_mb(fn, out):>18.1f}")
    print("target: <= 15 ms CPU for dk.cea.analyze (machine load affects wall time)")
    if "--large" in sys.argv:
        bench_large()


def bench_extras() -> None:
    """BCEA's extras (issue 20) on 10,000 x 10 x 501, CPU time against analyze in the same run."""
    out = make_outcomes()
    _, base = best_time(lambda o: dk.cea.analyze(o, wtp=WTP), out, 5)
    print(f"BCEA extras, {N_DRAWS} draws x {N_STRATEGIES} strategies x {WTP.size} wtp")
    print(f"{'function':<44}{'best CPU (s)':>14}{'x analyze':>11}")
    print(f"{'dk.cea.analyze (baseline)':<44}{base:>14.3f}{1.0:>11.1f}")
    cases = [
        ("incremental(...).summary (ICERs vs ref)", lambda o: dk.cea.incremental(o).summary),
        ("incremental(...).eib() (95% CrI)", lambda o: dk.cea.incremental(o, wtp=WTP).eib()),
        (
            "incremental(..., interval='normal').eib()",
            lambda o: dk.cea.incremental(o, wtp=WTP, interval="normal").eib(),
        ),
        ("risk_aversion(r = 3 values)", lambda o: dk.cea.risk_aversion(o, wtp=WTP)),
        ("mixed_strategy (equal shares)", lambda o: dk.cea.mixed_strategy(o, wtp=WTP)),
        (
            "bootstrap_ceac(n_boot=50)",
            lambda o: dk.cea.bootstrap_ceac(o, n_boot=50, wtp=WTP, random_seed=0),
        ),
    ]
    for name, fn in cases:
        _, cpu = best_time(fn, out, 2)
        print(f"{name:<44}{cpu:>14.3f}{cpu / base:>11.1f}")


if __name__ == "__main__":
    if "--extras" in sys.argv:
        bench_extras()
    else:
        main()
