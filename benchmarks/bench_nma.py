"""Benchmark the random-effects NMA of the 24-study smoking cessation network.

Target (issue 15): 4 chains x 1,000 draws (1,000 tuning steps), warm (model compiled
once before timing), <= 15 s on 2 cores, no divergences, R-hat <= 1.01. Reported: wall and
CPU time (``time.process_time`` of this process; chains run in worker processes with
``cores=2`` so the CPU figure there is the parent's only, and a ``cores=1`` run is given as
the same-run baseline whose CPU time is the sampler's), bulk ESS per second of the
slowest-mixing parameter, and the same fit with ``sampler_config={"nuts_sampler":
"nutpie"}`` when nutpie is installed.

Reads ``../shared/reference/nma/smoking_tsd.csv`` (or the path given as the first argument);
skips when absent. Run: ``python benchmarks/bench_nma.py [path] [--quick]``.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import time
import warnings
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd

from decisionkit.models.evidence import NetworkMetaAnalysis

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / ".." / "shared" / "reference" / "nma" / "smoking_tsd.csv"


def fit(data: pd.DataFrame, **config) -> tuple[float, float, NetworkMetaAnalysis]:
    cfg = {"draws": 1000, "tune": 1000, "chains": 4, "progressbar": False, **config}
    t, c = time.perf_counter(), time.process_time()
    nma = NetworkMetaAnalysis(effects="random", random_seed=15, sampler_config=cfg).fit(
        data, study="study", treatment="trt_name", events="r", total="n"
    )
    return time.perf_counter() - t, time.process_time() - c, nma


def line(label: str, wall: float, cpu: float, nma: NetworkMetaAnalysis) -> str:
    ess = az.ess(nma.idata_, var_names=["d", "sd"], method="bulk")
    min_ess = min(float(np.min(ess[v].values)) for v in ("d", "sd"))
    diag = nma.diagnostics_
    d = nma.relative_effects()["mean"].round(3).tolist()
    return (
        f"{label:34s} wall {wall:6.1f} s  CPU {cpu:6.1f} s  min bulk ESS {min_ess:6.0f}  "
        f"ESS/s {min_ess / wall:6.1f}  max R-hat {diag['max_rhat']:.4f}  "
        f"divergences {diag['n_divergences']}  d {d}"
    )


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(args[0]) if args else DEFAULT
    if not path.exists():
        print(f"skipped: {path} not found")
        return 0
    logging.getLogger("pymc").setLevel(logging.ERROR)
    warnings.simplefilter("ignore", FutureWarning)
    data = pd.read_csv(path)
    print("random-effects NMA, smoking cessation (24 studies, 50 arms), 4 chains x 1,000 draws")
    # PyMC 6 picks nutpie by itself when it is installed: name the sampler explicitly
    fit(data, draws=50, tune=50, cores=1, nuts_sampler="pymc")  # compile once (warm cache)
    wall, cpu, nma = fit(data, cores=2, nuts_sampler="pymc")
    print(line("PyMC NUTS, cores=2 (target <= 15 s)", wall, cpu, nma))
    if "--quick" not in sys.argv:
        wall, cpu, nma = fit(data, cores=1, nuts_sampler="pymc")
        print(line("PyMC NUTS, cores=1 (baseline)", wall, cpu, nma))
    if importlib.util.find_spec("nutpie") is not None:
        fit(data, draws=50, tune=50, nuts_sampler="nutpie", cores=2)  # compile
        wall, cpu, nma = fit(data, nuts_sampler="nutpie", cores=2)
        print(line("nutpie, cores=2", wall, cpu, nma))
    else:
        print("nutpie not installed: `pip install nutpie` to compare")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
