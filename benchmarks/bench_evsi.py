"""Benchmark: EVSI by importance sampling and moment matching at 5 sample sizes, 10,000 draws.

Target (issue 16): EVSI by moment matching or importance sampling at 5 sample sizes on 10,000
draws in <= 2 s. Baseline in the same run: the regression (GAM) method on the same problem.
Reported times are CPU seconds (``time.process_time``; best of the repeats), steadier than wall
time on a shared machine.

The problem: a two-arm trial with a binary outcome (voi's ``trial_binary``) on a model whose
incremental net benefit is ``10,000 (p_t - p_c) - 300 + 400 z`` with ``p_c ~ Beta(10, 40)``,
``p_t ~ Beta(14, 36)`` and an uninformed ``z ~ N(0, 1)``; moment matching with a model re-runs
that (vectorised) model on ``Q x 1000`` posterior draws.

Design choices measured here: importance sampling simulates ``D = 1000`` data sets (voi's usual
``nsim``) and weights them against all 10,000 draws (``D x S`` log-likelihoods per size, one
BLAS product per block of data sets sized by ``dk.set_options(working_memory=)``); ``D = S``
(voi's default, ``O(S^2)``) is shown for comparison. Moment matching uses ``Q = 50`` data sets.

Run: ``PYTHONPATH=. python benchmarks/bench_evsi.py [--quick]``.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd

import decisionkit as dk
from benchmarks._harness import best_times

N = 10_000
SIZES = [10, 30, 100, 300, 1000]
TARGET_CPU = 2.0


def problem():
    rng = np.random.default_rng(3)
    p = pd.DataFrame(
        {"pc": rng.beta(10, 40, N), "pt": rng.beta(14, 36, N), "z": rng.normal(0, 1, N)}
    )
    return dk.OutcomeDistribution.from_arrays({"nb": model(p)}, inputs=p)


def model(p: pd.DataFrame) -> np.ndarray:
    inb = 10_000 * (p["pt"].to_numpy() - p["pc"].to_numpy()) - 300 + 400 * p["z"].to_numpy()
    return np.column_stack([np.zeros(len(p)), inb])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    warnings.simplefilter("ignore", dk.exceptions.EstimationWarning)
    out = problem()
    study = dk.voi.TwoArmBinary("pc", "pt")
    runs = {
        "regression (GAM), baseline": {},
        "importance sampling, D = 1000": {"method": "is"},
        "importance sampling, D = S = 10000": {"method": "is", "n_datasets": N},
        "moment matching, Q = 50 (reweighting)": {"method": "mm"},
        "moment matching, Q = 50 (model re-run)": {"method": "mm", "model": model},
    }
    print(f"EVSI at n = {SIZES} per arm, {N} draws; CPU seconds (best of {repeats})")
    base = None
    for label, kw in runs.items():
        res = None

        def run(kw=kw):
            nonlocal res
            res = dk.voi.evsi(out, None, study=study, n=SIZES, random_seed=1, **kw)

        wall, cpu = best_times(run, repeat=repeats)
        base = cpu if base is None else base
        values = ", ".join(f"{v:.1f}" for v in res.to_frame()["evsi"])
        target = "" if "regression" in label or "D = S" in label else (
            "  OK" if cpu <= TARGET_CPU else "  OVER TARGET (2 s)"
        )  # fmt: skip
        print(
            f"{label:<42} cpu {cpu:6.2f} s  wall {wall:6.2f} s  x{cpu / base:5.1f} of "
            f"baseline{target}\n    EVSI: {values}"
        )


if __name__ == "__main__":
    main()
