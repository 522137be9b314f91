"""Benchmark: partitioned survival, 10,000 PSA draws x 2 strategies x 3 states, 480 cycles.

Target (issue 13): <= 1 s and <= 1 GB for 40 years in monthly cycles (481 time points).
Each endpoint of each arm is a Weibull model whose (log shape, log scale) draws come from an
asymptotic normal, as an MLE fit's ``draw_survival`` gives them, so the timing includes
making the survival curves, constraining PFS <= OS, integrating (half-cycle), state, entry
and fixed-duration drug costs, and building the OutcomeDistribution.

The target is judged on CPU time (``time.process_time``): up to 9 processes share 2 cores
here, so wall time is inflated by the others.

Baseline: a plain per-draw loop (for each draw and arm: the two curves, then a Python loop
over the 480 cycles accumulating occupancy x cost x discount), as a hand-written model or a
spreadsheet macro computes it, timed on a subset of draws and scaled linearly.

Run: PYTHONPATH=. python benchmarks/bench_partitioned.py
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmarks._harness import best_times, peak_memory, report
from decisionkit.exceptions import EstimationWarning
from decisionkit.models.survival._partitioned import PartitionedSurvivalModel

N_DRAWS, N_BASELINE, HORIZON = 10_000, 200, 40
STRATEGIES = ["Standard care", "New drug"]
# (log shape, log scale in years) and their standard errors, per arm and endpoint
WEIBULL = {
    ("Standard care", "PFS"): (0.10, np.log(0.55), 0.04, 0.06),
    ("Standard care", "OS"): (0.10, np.log(1.10), 0.04, 0.06),
    ("New drug", "PFS"): (0.05, np.log(0.95), 0.04, 0.07),
    ("New drug", "OS"): (0.05, np.log(1.60), 0.04, 0.08),
}


@dataclass(frozen=True)
class Draws:
    times: np.ndarray
    survival: np.ndarray
    parameters: pd.DataFrame


class WeibullFit:
    """Stand-in for a fitted Weibull: parameter draws from the asymptotic normal."""

    def __init__(self, log_shape, log_scale, se_shape, se_scale):
        self.mean = np.array([log_shape, log_scale])
        self.sd = np.array([se_shape, se_scale])

    def draw_survival(self, times, *, n_draws, random_seed=None, covariates=None):
        rng = np.random.default_rng(random_seed)
        theta = self.mean + self.sd * rng.standard_normal((n_draws, 2))
        shape, scale = np.exp(theta[:, :1]), np.exp(theta[:, 1:])
        surv = np.exp(-((times[None, :] / scale) ** shape))
        return Draws(
            times, surv, pd.DataFrame({"log_shape": theta[:, 0], "log_scale": theta[:, 1]})
        )


def make_model() -> PartitionedSurvivalModel:
    return PartitionedSurvivalModel(
        ["PFS", "OS"],
        strategies=STRATEGIES,
        horizon=HORIZON,
        cycle_length=1 / 12,
        method="half-cycle",
        state_costs={"Progression-free": 12_000.0, "Progressed": 24_000.0},
        state_utilities={"Progression-free": "u_pf", "Progressed": "u_prog"},
        entry_costs={"Progressed": 5_000.0, "Dead": 8_000.0},
        time_costs={
            "Progression-free": {"Standard care": (20_000.0, 0.5), "New drug": (60_000.0, 1.0)}
        },
    )


def other_params(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"u_pf": rng.beta(80, 20, n), "u_prog": rng.beta(60, 40, n)})


def survival_sources():
    return {s: {e: WeibullFit(*WEIBULL[(s, e)]) for e in ("PFS", "OS")} for s in STRATEGIES}


def run_vectorised(model, sources, params):
    return model.run(sources, params=params, random_seed=7)


def run_naive(n: int, params: pd.DataFrame) -> np.ndarray:
    """Per-draw, per-cycle loop over the same model; returns (n, 2) QALYs."""
    rng = np.random.default_rng(3)
    h, n_cyc = 1 / 12, HORIZON * 12
    out = np.zeros((n, 2))
    for i in range(n):
        for j, s in enumerate(STRATEGIES):
            curves = []
            for e in ("PFS", "OS"):
                m = WEIBULL[(s, e)]
                ls = m[0] + m[2] * rng.standard_normal()
                lc = m[1] + m[3] * rng.standard_normal()
                curves.append(
                    [math.exp(-((k * h / math.exp(lc)) ** math.exp(ls))) for k in range(n_cyc + 1)]
                )
            pfs, os_ = curves
            q = 0.0
            for k in range(n_cyc + 1):
                w = 0.5 if k in (0, n_cyc) else 1.0
                p = min(pfs[k], os_[k])
                d = 1.035 ** (-k * h)
                q += (
                    w * h * d * (p * params["u_pf"].iat[i] + (os_[k] - p) * params["u_prog"].iat[i])
                )
            out[i, j] = q
    return out


def main() -> None:
    warnings.simplefilter("ignore", EstimationWarning)  # the crossings are reported below
    model, sources, params = make_model(), survival_sources(), other_params(N_DRAWS)
    wall, cpu = best_times(lambda: run_vectorised(model, sources, params), repeat=3)
    peak = peak_memory(lambda: run_vectorised(model, sources, params))
    crossed = run_vectorised(model, sources, params).crossings
    counts = dict(zip(crossed["strategy"], crossed["n_draws"], strict=True))
    print("draws where PFS crossed OS (constrained):", counts)
    verdict = "OK" if cpu <= 1.0 and peak <= 2**30 else "OVER TARGET"
    report(
        "PSM 10k draws x 2 arms x 3 states x 480 cycles",
        wall,
        cpu=cpu,
        extra=f"peak {peak / 2**20:.0f} MiB; target 1 s CPU, 1 GiB: {verdict}",
    )
    t = model.times
    arrays = {
        s: {
            e: sources[s][e].draw_survival(t, n_draws=N_DRAWS, random_seed=1).survival
            for e in ("PFS", "OS")
        }
        for s in STRATEGIES
    }
    wall_a, cpu_a = best_times(lambda: model.run(arrays, params=params), repeat=3)
    report("  same, survival given as arrays (integration only)", wall_a, cpu=cpu_a)
    exact = PartitionedSurvivalModel(
        ["PFS", "OS"],
        strategies=STRATEGIES,
        horizon=HORIZON,
        method="exact",
        state_costs={"Progression-free": 12_000.0, "Progressed": 24_000.0},
        state_utilities={"Progression-free": "u_pf", "Progressed": "u_prog"},
    )
    wall_e, cpu_e = best_times(lambda: exact.run(sources, params=params, random_seed=7), repeat=1)
    peak_e = peak_memory(lambda: exact.run(sources, params=params, random_seed=7))
    report(
        "  same, exact integration (2,401 time points)",
        wall_e,
        cpu=cpu_e,
        extra=f"peak {peak_e / 2**20:.0f} MiB",
    )
    c0, t0 = time.process_time(), time.perf_counter()
    run_naive(N_BASELINE, params)
    scale = N_DRAWS / N_BASELINE
    naive_wall, naive_cpu = (time.perf_counter() - t0) * scale, (time.process_time() - c0) * scale
    report(
        f"baseline: per-draw Python loop ({N_BASELINE} draws, scaled)",
        naive_wall,
        cpu=naive_cpu,
        extra=f"speed-up x{naive_cpu / cpu:.0f} (CPU)",
    )


if __name__ == "__main__":
    main()
