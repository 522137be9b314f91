"""Benchmark: prediction-model VOI and structural VOI, beside plain-loop baselines.

- ``prediction_voi`` (Bayesian bootstrap EVPI on 99 thresholds, plus the EVSI at 5 study
  sizes) against the algorithm as published (a loop over bootstrap replicates and thresholds,
  as the R code of Sadatsafavi et al.), same sizes, both in this process.
- ``structural_voi`` on three structures against recomputing each structure's means in a loop.

Reports best CPU time (``time.process_time``) of a few repeats; run
``python benchmarks/bench_prediction_voi.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import best_times

import decisionkit as dk

N_PATIENTS, N_DRAWS = 2000, 2000
THRESHOLDS = np.arange(1, 100) / 100
SIZES = [250, 500, 1000, 2000, 4000]


def loop_evpi(y: np.ndarray, risk: np.ndarray, n_draws: int, seed: int) -> np.ndarray:
    """Baseline: one Bayesian-bootstrap replicate and one threshold at a time (the R loop)."""
    rng = np.random.default_rng(seed)
    n = y.size
    nb = np.zeros((n_draws, THRESHOLDS.size, 3))
    for i in range(n_draws):
        w = rng.exponential(size=n)
        w /= w.sum()
        for j, z in enumerate(THRESHOLDS):
            every = y - (1 - y) * z / (1 - z)
            nb[i, j, 1] = np.sum(w * every)
            nb[i, j, 2] = np.sum(w * (risk >= z) * every)
    return nb.max(axis=2).mean(axis=0) - np.maximum(nb.mean(axis=0), 0).max(axis=1)


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=N_PATIENTS)
    risk = 1 / (1 + np.exp(-(-1.6 + x)))
    y = rng.binomial(1, 1 / (1 + np.exp(-(-1.5 + 0.8 * x)))).astype(float)

    def ours() -> None:
        dk.voi.prediction_voi(y, risk, thresholds=THRESHOLDS, n_draws=N_DRAWS, random_seed=1)

    def ours_evsi() -> None:
        dk.voi.prediction_voi(
            y, risk, thresholds=THRESHOLDS, n_draws=N_DRAWS, sample_sizes=SIZES, random_seed=1
        )

    def base() -> None:
        loop_evpi(y, risk, 200, 1)  # a tenth of the draws: the loop is slow

    _, c_ours = best_times(ours, repeat=3)
    _, c_evsi = best_times(ours_evsi, repeat=3)
    _, c_base = best_times(base, repeat=1)
    c_base_full = c_base * N_DRAWS / 200
    print(
        f"prediction_voi EVPI, {N_PATIENTS} patients x {THRESHOLDS.size} thresholds x "
        f"{N_DRAWS} draws: {c_ours:.2f} s CPU; + EVSI at {len(SIZES)} sizes: {c_evsi:.2f} s; "
        f"loop baseline {c_base_full:.1f} s (measured on 200 draws x 10); "
        f"ratio {c_base_full / c_ours:.0f}x"
    )

    structures = {
        k: dk.OutcomeDistribution.from_arrays(
            {"nb": rng.normal([0.0, m, -m], 1.0, (10_000, 3))}, actions=["a", "b", "c"]
        )
        for k, m in {"s1": 0.2, "s2": -0.1, "s3": 0.05}.items()
    }
    weights = [0.5, 0.3, 0.2]

    def structural() -> None:
        dk.voi.structural_voi(structures, weights=weights, random_seed=1)

    _, c_struct = best_times(structural, repeat=3)
    print(f"structural_voi, 3 structures x 10,000 draws x 3 actions: {c_struct:.3f} s CPU")


if __name__ == "__main__":
    main()
