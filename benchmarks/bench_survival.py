"""Benchmark: all seven survival distributions by maximum likelihood, 686 patients, one covariate.

Target (issue 13): exponential, Weibull, Gompertz, log-logistic, log-normal, generalised gamma
and a one-knot Royston-Parmar spline, each with a three-level covariate, fitted to 686
patients (the size of the ``bc`` data) in <= 1 s in total. The data are simulated here
(Weibull times, exponential censoring, seed 2026).

Baseline, measured in the same run: scipy's generic ``rv_continuous.fit`` on
``scipy.stats.CensoredData`` for the five of these distributions scipy has (expon,
weibull_min, gompertz, fisk, lognorm, gengamma with ``floc=0``), fitted separately to each of
the three groups (scipy's fit has no covariates). lifelines is not a baseline because its
current release (0.30.3) requires pandas < 3, which this project's stack cannot install.

Reported: CPU time (``time.process_time``, steadier than wall time on a shared machine) and
wall time, best of ``--repeat`` runs, and the ratio to the baseline.

Run: ``PYTHONPATH=. python benchmarks/bench_survival.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import best_times, report

from decisionkit.models.survival import ParametricSurvival, SurvivalData

SEVEN = [
    ("exponential", {}),
    ("weibull", {}),
    ("gompertz", {}),
    ("loglogistic", {}),
    ("lognormal", {}),
    ("gengamma", {}),
    ("spline", {"knots": 1}),
]


def simulate(n: int = 686, seed: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["Good", "Medium", "Poor"], size=n)
    scale = 11.4 * np.exp(np.select([group == "Medium", group == "Poor"], [-0.61, -1.21], 0.0))
    t = scale * rng.weibull(1.38, n)
    c = np.minimum(rng.uniform(0, 7.3, n), 7.3)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "group": group})


def ours(data: SurvivalData) -> list[ParametricSurvival]:
    return [ParametricSurvival(name, **kw).fit(data) for name, kw in SEVEN]


def scipy_generic(frame: pd.DataFrame) -> None:
    dists = [stats.expon, stats.weibull_min, stats.gompertz, stats.fisk, stats.lognorm]
    dists.append(stats.gengamma)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, g in frame.groupby("group"):
            cens = stats.CensoredData(
                uncensored=g.loc[g.event == 1, "time"], right=g.loc[g.event == 0, "time"]
            )
            for dist in dists:
                dist.fit(cens, floc=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = simulate()
    data = SurvivalData.from_frame(frame, time="time", event="event", covariates="group")
    print(f"{data}\n")
    wall, cpu = best_times(lambda: ours(data), repeat=args.repeat)
    report("7 distributions, MLE + covariance (decisionkit)", wall, cpu=cpu)
    verdict = "OK" if cpu <= 1.0 else "OVER TARGET"
    print(f"    target <= 1 s of CPU time for all seven: {cpu:.3f} s  {verdict}")
    for (name, kw), model in zip(SEVEN, ours(data), strict=True):
        label = name + (" (1 knot)" if kw else "")
        print(f"    {label:<22} loglik {model.loglik_:10.3f}  AIC {model.aic_:9.3f}")
    b_wall, b_cpu = best_times(lambda: scipy_generic(frame), repeat=args.repeat)
    report("baseline: scipy .fit(CensoredData), 6 dists x 3 groups", b_wall, cpu=b_cpu)
    print(f"\nCPU-time ratio decisionkit / scipy generic fit: {cpu / b_cpu:.2f}")


if __name__ == "__main__":
    main()
