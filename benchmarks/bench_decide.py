"""decide() speed and memory (issue 12: the decision kernel).

Targets (CPU time): 100,000 draws x 20 actions <= 25 ms CPU with peak extra memory <= 3x the utility
array; a 501-point wtp grid on 10,000 draws x 10 actions with a 95% interval <= 300 ms CPU
without materialising more than ~100 MB at once. Baselines in the same run: the same statistics
in plain numpy (no labels, no table), and the kernel's compiled core alone (no utility
evaluation, no labels, no table), which bounds what decide() can reach.
Lazy (``--lazy``): the same decisions on dask-backed draws (``dask.array.from_array``, chunked
along action, as a netCDF or Zarr store opened with chunks is) against the in-memory draws in the
same run, in one process (synchronous and threaded schedulers): CPU time of each and their ratio
(target: the wtp grid at most ~1.5x in memory), and a check that the results are identical.
Run: python benchmarks/bench_decide.py [--lazy]
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


def lazy_pair(metrics: dict, chunks: tuple, dims: list | None = None) -> tuple:
    """In-memory outcomes and the same draws dask-backed with ``chunks``."""
    import dask.array as da

    eager = dk.OutcomeDistribution.from_arrays(metrics, dims=dims)
    lazy = dk.OutcomeDistribution.from_arrays(
        {k: da.from_array(v, chunks=chunks) for k, v in metrics.items()}, dims=dims
    )
    return eager, lazy


def main_lazy() -> None:
    """Lazy vs in-memory CPU time (best of N, time.process_time) and their ratio."""
    import dask

    rng = np.random.default_rng(0)
    grid = np.linspace(0, 50_000, 501)
    nmb = dk.utility.net_monetary_benefit(wtp=grid)
    eager, lazy = lazy_pair(
        {"cost": rng.normal(10_000, 2_000, (10_000, 10)), "qaly": rng.normal(5, 0.5, (10_000, 10))},
        chunks=(10_000, 5),
    )
    n_units = 20_000
    per_patient = lazy_pair(
        {
            "cost": rng.normal(1_000, 300, (1_000, 2, n_units)),
            "qaly": rng.normal(1.0, 0.1, (1_000, 2, n_units)),
        },
        chunks=(1_000, 2, 5_000),
        dims=["unit"],
    )
    nmb_20k = dk.utility.net_monetary_benefit(wtp=20_000)
    cases = [
        ("decide 10,000 x 10 x 501 wtp, prob=0.95", (eager, lazy), lambda o: dk.decide(o, nmb)),
        (
            "decide 10,000 x 10 x 501 wtp, prob=None",
            (eager, lazy),
            lambda o: dk.decide(o, nmb, prob=None),
        ),
        ("voi.evpi 10,000 x 10 x 501 wtp", (eager, lazy), lambda o: dk.voi.evpi(o, nmb)),
        ("cea.analyze 10,000 x 10 x 501 wtp", (eager, lazy), lambda o: dk.cea.analyze(o, wtp=grid)),
        (f"decide 1,000 x {n_units:,} units x 2", per_patient, lambda o: dk.decide(o, nmb_20k)),
    ]
    print(f"{'case':<42}{'scheduler':>10}{'lazy CPU s':>12}{'memory CPU s':>14}{'ratio':>7}  same")
    for name, (mem, lz), fn in cases:
        for scheduler in ("sync", "threads"):
            with dask.config.set(scheduler=scheduler):
                same = _same(fn(lz), fn(mem))
                _, c_lazy = best_times(lambda fn=fn, lz=lz: fn(lz), repeat=3)
                _, c_mem = best_times(lambda fn=fn, mem=mem: fn(mem), repeat=3)
            print(
                f"{name:<42}{scheduler:>10}{c_lazy:>12.3f}{c_mem:>14.3f}"
                f"{c_lazy / c_mem:>7.2f}  {same}"
            )


def _same(a: object, b: object) -> bool:
    """Whether two results of the same call hold identical numbers."""
    if isinstance(a, dk.Decision) and isinstance(b, dk.Decision):
        return a.table.equals(b.table) and np.array_equal(np.asarray(a.evpi), np.asarray(b.evpi))
    if hasattr(a, "prob_best") and hasattr(b, "prob_best"):
        return all(
            np.array_equal(getattr(a, f), getattr(b, f))
            for f in ("prob_best", "evpi_nb", "expected_max_nb")
        )
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


if __name__ == "__main__":
    if "--lazy" in sys.argv:
        main_lazy()
    else:
        main()
