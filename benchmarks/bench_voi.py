"""Benchmark value-of-information methods: time, peak memory and accuracy at 10,000 draws.

Run: ``PYTHONPATH=. python benchmarks/bench_voi.py [--quick]``

Baselines (issue 6, R voi 1.0.3 with mgcv on this 2-core machine, 10,000 draws of the voi
chemotherapy model): EVPPI of one parameter ~0.03 s, two ~0.06 s, a group of four ~9 s.
Goals: one parameter <= 50 ms; a group of four <= 1 s at accuracy no worse than the GAM's;
15 single-parameter EVPPIs (bar chart) <= 1 s; EVSI of a two-arm binary trial at 10 sample
sizes <= 10 s.

Accuracy is measured on generated models with closed forms (the toy problem of the tests and
a five-parameter extension). If /work/shared/reference/voi exists (the voi chemotherapy model;
GPL data, read in place, never copied), the EVPPI of a few of its parameters is reported for
every method as well.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

import decisionkit as dk

REFERENCE = Path("/work/shared/reference/voi")
N = 10_000


def measure(fn, repeats=3):
    """Best wall time of ``repeats`` runs and the peak traced memory of one more run."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, min(times), peak / 2**20


def normal_evppi(mean, sd):
    """E[max(0, S)] - max(0, E S) for S ~ N(mean, sd^2)."""
    return mean * norm.cdf(mean / sd) + sd * norm.pdf(mean / sd) - max(0.0, mean)


def toy_model(n=N, seed=0, n_noise=0):
    """INB = p1 - p2 + p3 + p4 + p5 (p1 ~ N(1,1), p2 ~ N(0,2), p3, p4 ~ N(0,.5), p5 ~ N(0,1))."""
    rng = np.random.default_rng(seed)
    p = pd.DataFrame(
        {
            "p1": rng.normal(1, 1, n),
            "p2": rng.normal(0, 2, n),
            "p3": rng.normal(0, 0.5, n),
            "p4": rng.normal(0, 0.5, n),
            "p5": rng.normal(0, 1, n),
        }
    )
    for i in range(n_noise):
        p[f"z{i}"] = rng.normal(size=n)
    inb = p[["p1", "p3", "p4", "p5"]].sum(axis=1) - p["p2"]
    nb = np.column_stack([np.zeros(n), inb])
    return dk.OutcomeDistribution.from_arrays({"nb": nb}, actions=["A", "B"], inputs=p)


# closed forms for toy_model: INB mean 1, variance 1 + 4 + .25 + .25 + 1 = 6.5
TRUTH = {
    "p1": normal_evppi(1.0, 1.0),  # E[INB | p1] = p1
    "p2": normal_evppi(1.0, 2.0),  # E[INB | p2] = 1 - p2
    "p1+p2+p3+p4": normal_evppi(1.0, np.sqrt(5.5)),
    "evpi": normal_evppi(1.0, np.sqrt(6.5)),
}


# the exact conditional means E[INB | group] of toy_model, to separate regression error
# (estimate vs the same formula with the true conditional mean on the same draws) from the
# Monte-Carlo error of the draws themselves (estimate vs closed form)
CONDITIONAL = {
    "p1": lambda p: p["p1"],
    "p2": lambda p: 1 - p["p2"],
    "p1+p2+p3+p4": lambda p: p["p1"] - p["p2"] + p["p3"] + p["p4"],
}


def oracle(inputs, group):
    g = np.asarray(CONDITIONAL[group](inputs))
    return np.maximum(g, 0).mean() - max(0.0, g.mean())


def row(task, method, seconds, mb, value=None, truth=None, note="", reference=None):
    err = "" if truth is None else f"{abs(value - truth):.4f}"
    reg = "" if reference is None else f"{abs(value - reference):.4f}"
    val = "" if value is None else f"{value:.4f}"
    print(
        f"{task:<30} {method:<12} {seconds * 1e3:>9.1f} ms {mb:>7.1f} MB {val:>9} {err:>8} "
        f"{reg:>9} {note}"
    )


def bench_toy(methods, repeats):
    out = toy_model()
    truths = ", ".join(f"{k}={v:.4f}" for k, v in TRUTH.items())
    print(f"\nToy model, {N} draws (closed forms: {truths})")
    print(
        f"{'task':<30} {'method':<12} {'time':>12} {'peak':>10} {'EVPPI':>9} {'|error|':>8} "
        f"{'|reg.err|':>8}"
    )
    print("(|error|: vs closed form, includes MC error of the draws; |reg.err|: vs the true")
    print(" conditional mean plugged in on the same draws, i.e. the regression's own error)")
    inputs = out.inputs
    for method in methods:
        for par in ("p1", "p2"):
            reps = 1 if method == "gp" else repeats
            res, t, mb = measure(
                lambda m=method, q=par: dk.voi.evppi(out, None, q, method=m, random_seed=1), reps
            )
            ref = oracle(inputs, par)
            row(f"one parameter ({par})", method, t, mb, res.evppi, TRUTH[par], reference=ref)
    group = ["p1", "p2", "p3", "p4"]
    for method in [m for m in methods if m in ("gam", "gp", "trees")]:
        reps = 1 if method == "gp" else repeats
        res, t, mb = measure(
            lambda m=method, g=group: dk.voi.evppi(out, None, g, method=m, random_seed=1), reps
        )
        ref = oracle(inputs, "p1+p2+p3+p4")
        row("group of four", method, t, mb, res.evppi, TRUTH["p1+p2+p3+p4"], reference=ref)
    res, t, mb = measure(lambda: dk.voi.evppi(out, None, ["p1", "p2"], random_seed=1), repeats)
    row("group of two (p1, p2)", "gam", t, mb, res.evppi, normal_evppi(1.0, np.sqrt(5.0)))


def bench_bar_chart(repeats):
    out = toy_model(n_noise=10)  # 15 parameters
    print(f"\nEVPPI bar chart: 15 single parameters, {N} draws")
    for method, kwargs in (("gam", {}), ("gam", {"n_jobs": 2}), ("so", {}), ("sadatsafavi", {})):
        res, t, mb = measure(
            lambda m=method, k=kwargs: dk.voi.evppi_each(out, None, method=m, random_seed=1, **k),
            repeats,
        )
        worst = max(abs(res.evppi["p1"] - TRUTH["p1"]), abs(res.evppi["p2"] - TRUTH["p2"]))
        row("15 singles", method, t, mb, note=f"{kwargs} max |error| p1/p2 {worst:.4f}")


def bench_evsi(repeats):
    rng = np.random.default_rng(3)
    p = pd.DataFrame({"pc": rng.beta(10, 40, N), "pt": rng.beta(14, 36, N)})
    nb = np.column_stack([np.zeros(N), 10_000 * (p["pt"] - p["pc"]) - 300])
    out = dk.OutcomeDistribution.from_arrays({"nb": nb}, inputs=p)
    sizes = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
    study = dk.voi.TwoArmBinary("pc", "pt")
    res, t, mb = measure(
        lambda: dk.voi.evsi(out, None, study=study, n=sizes, random_seed=1), repeats
    )
    evppi = dk.voi.evppi(out, None, ["pc", "pt"]).evppi
    print(f"\nEVSI, two-arm binary trial, 10 sample sizes, {N} draws")
    row(
        "EVSI x 10 sizes",
        "gam",
        t,
        mb,
        note=f"EVSI(10000)={res.evsi.iloc[-1]:.2f}, EVPPI(pc,pt)={evppi:.2f}",
    )


def bench_chemo(methods, repeats):
    if not REFERENCE.exists():
        print("\n(voi chemotherapy reference data not found; skipped)")
        return
    pars = pd.read_csv(REFERENCE / "chemo_pars.csv")
    nb = pd.read_csv(REFERENCE / "chemo_nb.csv")
    out = dk.OutcomeDistribution.from_arrays(
        {"nb": nb.to_numpy()}, actions=list(nb.columns), inputs=pars
    )
    evpi = dk.voi.evpi(out, dk.utility.linear({"nb": 1}))
    print(f"\nvoi chemotherapy model (chjackson/voi data), {len(nb)} draws, EVPI = {evpi:.2f}")
    for par in ("p_side_effects_t1", "p_side_effects_t2", "logor_side_effects", "c_hospital"):
        for method in methods:
            reps = 1 if method == "gp" else repeats
            res, t, mb = measure(
                lambda m=method, q=par: dk.voi.evppi(out, None, q, method=m, random_seed=1), reps
            )
            se = "" if np.isnan(res.se) else f"se {res.se:.2f}"
            row(par, method, t, mb, res.evppi, note=se)
    group = ["p_side_effects_t1", "p_side_effects_t2", "p_hospitalised_total", "p_died"]
    for method in [m for m in methods if m in ("gam", "gp", "trees")]:
        reps = 1 if method == "gp" else repeats
        res, t, mb = measure(
            lambda m=method, g=group: dk.voi.evppi(out, None, g, method=m, random_seed=1), reps
        )
        row("group of four", method, t, mb, res.evppi, note="+".join(group))
    res, t, mb = measure(lambda: dk.voi.evppi_each(out, None, random_seed=1), repeats)
    row("14 singles (bar chart)", "gam", t, mb, note=f"largest {res.evppi.idxmax()}")
    # voi's example: a two-arm trial of side effects, n = 50, 100, ..., 500 per arm
    study = dk.voi.TwoArmBinary("p_side_effects_t1", "p_side_effects_t2")
    sizes = list(range(50, 501, 50))
    res, t, mb = measure(
        lambda: dk.voi.evsi(out, None, study=study, n=sizes, random_seed=1), repeats
    )
    values = ", ".join(f"{v:.1f}" for v in res.evsi.to_numpy())
    row("EVSI two-arm trial x 10 sizes", "gam", t, mb, note=f"EVSI(50..500) = {values}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip gp, one repeat")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    methods = ["gam", "so", "sadatsafavi", "trees"] + ([] if args.quick else ["gp"])
    warnings.simplefilter("ignore", dk.exceptions.EstimationWarning)
    print("Baseline (R voi + mgcv, 10,000 draws): 1 parameter ~30 ms, 2 ~60 ms, group of 4 ~9 s")
    bench_toy(methods, repeats)
    bench_bar_chart(repeats)
    bench_evsi(repeats)
    bench_chemo(methods, repeats)


if __name__ == "__main__":
    main()
