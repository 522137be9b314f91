"""Benchmark HierarchicalRates, CountDemand and plan_capacity.

Run: ``PYTHONPATH=. python benchmarks/bench_pymc_models.py [--quick]``

Baselines (the dashboard's capacity page, issue 7: a rerun after a slider change <= 300 ms):
- load the bundled admissions posterior + forecast 28 days + plan capacity: <= 300 ms;
- plan_capacity on 1,000 draws x 28 dates: <= 300 ms;
- fits (2 chains x 1,000 draws, 1 core): reported cold (first compile) and warm; no target
  is set by the issue, we aim for warm <= 10 s as for BayesianLogisticRisk.
"""

from __future__ import annotations

import argparse
import logging
import resource
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd


def best_of(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def report(name: str, seconds: float, baseline: str, mem: float | None = None) -> None:
    extra = f"  peak {mem:7.1f} MB (tracemalloc)" if mem is not None else ""
    print(f"{name:<62} {seconds * 1000:9.1f} ms   baseline {baseline}{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, skip the fits")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    warnings.simplefilter("ignore")  # ConvergenceWarning texts are not the point here

    from decisionkit.capacity import plan_capacity
    from decisionkit.datasets import load_admissions, load_admissions_model, load_hospital_outcomes

    t, model = best_of(load_admissions_model, repeats)
    report("load_admissions_model (netCDF, 2 x 500 draws)", t, "-")

    t, fc = best_of(lambda: model.forecast(28, random_seed=0), repeats)
    report("CountDemand.forecast 28 days x 1,000 draws", t, "-")

    def page():
        m = load_admissions_model()
        return plan_capacity(m.forecast(28, random_seed=0), shortage_cost=5, idle_cost=1)

    t, _ = best_of(page, repeats)
    report("load + forecast 28 d + plan_capacity (dashboard rerun)", t, "<= 300 ms")

    t, _ = best_of(lambda: plan_capacity(fc, shortage_cost=5, idle_cost=1), repeats)
    mem = peak_mb(lambda: plan_capacity(fc, shortage_cost=5, idle_cost=1))
    report("plan_capacity 1,000 draws x 28 dates", t, "<= 300 ms", mem)

    big = model.forecast(365, random_seed=1)
    t, _ = best_of(lambda: plan_capacity(big, shortage_cost=5, idle_cost=1), max(1, repeats // 2))
    mem = peak_mb(lambda: plan_capacity(big, shortage_cost=5, idle_cost=1))
    report("plan_capacity 1,000 draws x 365 dates (chunked)", t, "-", mem)

    if args.quick:
        return
    import pymc  # noqa: F401  (imported here so the log level below sticks)

    from decisionkit.models.bayes.demand import CountDemand
    from decisionkit.models.bayes.hierarchical import HierarchicalRates

    logging.getLogger("pymc").setLevel(logging.ERROR)  # pymc sets INFO when imported

    df = load_admissions()
    kw = {"draws": 1000, "tune": 1000, "chains": 2, "cores": 1, "progressbar": False}
    t0 = time.perf_counter()
    CountDemand(random_seed=1, **kw).fit(df, count="admissions")
    report(
        "CountDemand.fit 731 days, 2 x 1,000 draws (cold, compile)", time.perf_counter() - t0, "-"
    )
    t, _ = best_of(lambda: CountDemand(random_seed=1, **kw).fit(df, count="admissions"), 2)
    report("CountDemand.fit 731 days, 2 x 1,000 draws (warm)", t, "<= 10 s")

    hosp = load_hospital_outcomes()
    fit_h = lambda: HierarchicalRates(random_seed=1, **kw).fit(  # noqa: E731
        hosp, events="deaths", n="procedures", groups="hospital"
    )
    t0 = time.perf_counter()
    fit_h()
    report(
        "HierarchicalRates.fit 10 groups, 2 x 1,000 (cold, compile)", time.perf_counter() - t0, "-"
    )
    t, _ = best_of(fit_h, 2)
    report("HierarchicalRates.fit 10 groups, 2 x 1,000 (warm)", t, "<= 10 s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"process peak RSS {rss:.0f} MB; pandas {pd.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
