"""decide() speed and memory (issue 12: the decision kernel).

Targets (CPU time): 100,000 draws x 20 actions <= 25 ms CPU with peak extra memory <= 3x the utility
array; a 501-point wtp grid on 10,000 draws x 10 actions with a 95% interval <= 300 ms CPU
without materialising more than ~100 MB at once. Baselines in the same run: the same statistics
in plain numpy (no labels, no table), and the kernel's compiled core alone (no utility
evaluation, no labels, no table), which bounds what decide() can reach.
Run: python benchmarks/bench_decide.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import best_times, peak_memory, report

import decisionkit as dk


def numpy_baseline(u: np.ndarray) -> tuple:
    mean = u.mean(0)
    sd = u.std(0, ddof=1)
    umax = u.max(1)
    pbest = np.bincount(u.argmax(1), minlength=u.shape[1]) / u.shape[0]
    q = np.quantile(u, [0.025, 0.975], axis=0)
    return mean, sd, pbest, umax.mean() - mean, umax.mean() - mean.max(), q


def numpy_grid_baseline(cost: np.ndarray, qaly: np.ndarray, grid: np.ndarray) -> np.ndarray:
    evpi = np.empty(grid.size)
    for i, k in enumerate(grid):  # one wtp at a time, as a hand-written script would
        nb = k * qaly - cost
        evpi[i] = nb.max(1).mean() - nb.mean(0).max()
    return evpi


def main() -> None:
    rng = np.random.default_rng(0)
    u = rng.normal(size=(100_000, 20))
    out = dk.OutcomeDistribution.from_arrays({"u": u})
    util = dk.utility.linear({"u": 1.0})
    t, c = best_times(lambda: dk.decide(out, util))
    mem = peak_memory(lambda: dk.decide(out, util))
    ratio = mem / u.nbytes
    report(
        "decide 100,000 draws x 20 actions",
        t,
        cpu=c,
        target=0.025,
        extra=f"peak {ratio:.2f}x utility array ({mem / 2**20:.0f} MB)",
    )
    tb, cb = best_times(lambda: numpy_baseline(u))
    report("  plain numpy baseline (same statistics)", tb, cpu=cb)
    from decisionkit.decision._kernel import _reduce_numpy

    tk, ck = best_times(lambda: _reduce_numpy(u, prob=0.95, what="u"))
    report("  compiled kernel core alone (numba, one pass)", tk, cpu=ck)
    print(f"  CPU ratio decide / plain numpy: {c / cb:.2f}; decide / compiled core: {c / ck:.2f}")

    cost = rng.normal(10_000, 2_000, (10_000, 10))
    qaly = rng.normal(5, 0.5, (10_000, 10))
    out2 = dk.OutcomeDistribution.from_arrays({"cost": cost, "qaly": qaly})
    grid = np.linspace(0, 50_000, 501)
    nmb = dk.utility.net_monetary_benefit(wtp=grid)
    full = 10_000 * 10 * 501 * 8
    for prob in (0.95, None):
        t, c = best_times(lambda prob=prob: dk.decide(out2, nmb, prob=prob), repeat=3)
        mem = peak_memory(lambda prob=prob: dk.decide(out2, nmb, prob=prob))
        report(
            f"decide 10,000 x 10 x 501 wtp (prob={prob})",
            t,
            cpu=c,
            target=0.300,
            extra=f"peak {mem / 2**20:.0f} MB (full grid: {full / 2**20:.0f} MB)",
        )
    tb, cb = best_times(lambda: numpy_grid_baseline(cost, qaly, grid), repeat=3)
    report("  plain numpy loop over wtp (EVPI only)", tb, cpu=cb)


if __name__ == "__main__":
    main()
