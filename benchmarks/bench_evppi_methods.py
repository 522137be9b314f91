"""Benchmark the EVPPI regressions: MARS vs R earth, the GP vs voi's GP, beside baselines.

Run: ``PYTHONPATH=. python benchmarks/bench_evppi_methods.py [--voi-gp PATH] [--no-bart]``

Everything is CPU time (``time.process_time``; R's ``proc.time`` user + system) measured in
the same run on voi's chemotherapy PSA (GPL data, read in place from ../shared/reference/voi,
never copied; the script exits when it is absent):

1. 14 single-parameter EVPPIs on 10,000 draws: ``mars`` (goal <= 0.6 s, issue 16) beside
   ``gam`` and the previous fast option ``trees`` (baseline) and R's earth when installed.
2. A group of four parameters: ``mars`` beside ``gam``, ``trees`` and R earth (degree 2).
3. GP EVPPI on the first 2,000 draws, three parameters (goal <= 5 s each): the new ``gp``
   beside the previous implementation (scikit-learn, constant mean, 1,000 training draws;
   reproduced below as the baseline) and, with ``--voi-gp PATH`` to voi's ``R/evppi_gp.R``
   (e.g. ``git show HEAD:R/evppi_gp.R`` in a clone of chjackson/voi), voi's own GP in R.
4. BART on 2,000 draws for one parameter, when pymc-bart is installed.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from validate_evppi_earth import (
    load_chemo,
    rscript,
    run_r,
)  # run as a script: benchmarks/ is on the path

import decisionkit as dk
from decisionkit.voi._evppi import value_from_fitted
from decisionkit.voi._regression import single_thread

_CANDIDATES = [
    Path(__file__).resolve().parents[1] / "../shared/reference/voi",
    Path("/work/shared/reference/voi"),
]
GROUP = ["p_side_effects_t1", "p_side_effects_t2", "p_hospitalised_total", "p_died"]
GP_PARS = ["p_side_effects_t1", "p_side_effects_t2", "logor_side_effects"]

R_VOI_GP = r"""
args <- commandArgs(TRUE)
source(args[2])
pars <- read.csv(file.path(args[1], "chemo_pars.csv"))[1:2000, ]
nb <- read.csv(file.path(args[1], "chemo_nb.csv"))[1:2000, ]
y <- nb[, 2] - nb[, 1]
for (p in strsplit(args[3], ",")[[1]]) {
  c0 <- sum(proc.time()[c(1, 2)])
  f <- fitted_gp(y, pars, p)
  cat(p, sum(proc.time()[c(1, 2)]) - c0, mean(pmax(f, 0)) - max(mean(f), 0), "\n")
}
"""


def old_gp_fitted(x: np.ndarray, y: np.ndarray, seed: int = 1) -> np.ndarray:
    """The previous fit_gp (baseline): sklearn GP, constant mean, ARD RBF, 1,000 draws."""
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    rng = np.random.default_rng(seed)
    n, d = x.shape
    m = min(n, 1000)
    idx = np.sort(rng.choice(n, size=m, replace=False)) if m < n else np.arange(n)
    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    kernel = ConstantKernel(1.0) * RBF(np.ones(d), (1e-2, 1e3)) + WhiteKernel(1.0)
    with single_thread(), warnings.catch_warnings():  # as the previous code ran it
        warnings.simplefilter("ignore")
        gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=0).fit(xs[idx], y[idx])
    pred = gp.predict(xs)
    return pred + (y.mean() - pred.mean())


def cpu(fn):
    t0 = time.process_time()
    result = fn()
    return result, time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voi-gp", type=Path, help="path to voi's R/evppi_gp.R")
    parser.add_argument("--no-bart", action="store_true")
    args = parser.parse_args()
    ref = next((p for p in _CANDIDATES if (p / "chemo_pars.csv").exists()), None)
    if ref is None:
        print("voi chemotherapy reference data not found; nothing to benchmark.")
        return
    warnings.simplefilter("ignore", dk.exceptions.EstimationWarning)
    pars, nb, out = load_chemo(ref)
    dk.voi.evppi(out, None, "p_died", se=False)  # warm-up: imports and caches
    # MARS with interactions loads its numba kernel (about 1 s CPU) on first use in a process
    _, t_load = cpu(lambda: dk.voi.evppi(out, None, GROUP[:2], method="mars", se=False))
    print(f"(first MARS group fit in this process, numba load included: {t_load:.2f} s)")
    rows = []
    earth = run_r(ref)  # EVPPI and CPU time by R's earth (validate_evppi_earth.py)
    r_times = [np.nan] * 3
    if earth is not None:
        group = earth.loc["group of four"]
        r_times = [earth["cpu"].iloc[0], group["cpu"], group["evppi"]]

    print(f"1. 14 single-parameter EVPPIs, {len(pars)} draws (goal <= 0.6 s)")
    for method in ("mars", "gam", "trees"):
        res, t = cpu(
            lambda m=method: dk.voi.evppi_each(out, None, method=m, se=False, random_seed=1)
        )
        rows.append(
            ("14 singles", method, t, f"largest {res.evppi.idxmax()} {res.evppi.max():.1f}")
        )
    rows.append(("14 singles", "R earth", r_times[0], "earth(), degree 1"))

    for method in ("mars", "gam", "trees"):
        res, t = cpu(
            lambda m=method: dk.voi.evppi(out, None, GROUP, method=m, se=False, random_seed=1)
        )
        rows.append(("group of four", method, t, f"EVPPI {res.evppi:.2f}"))
    rows.append(("group of four", "R earth", r_times[1], f"EVPPI {r_times[2]:.2f} (degree 2)"))

    small = dk.OutcomeDistribution.from_arrays(
        {"nb": nb.to_numpy()[:2000]}, actions=list(nb.columns), inputs=pars.iloc[:2000]
    )
    y = (nb.to_numpy()[:2000, 1] - nb.to_numpy()[:2000, 0])[:, None]
    voi = {}
    if args.voi_gp is not None and args.voi_gp.exists():
        text = rscript(R_VOI_GP, str(ref), str(args.voi_gp.resolve()), ",".join(GP_PARS)) or ""
        voi = {
            ln.split()[0]: (float(ln.split()[1]), float(ln.split()[2])) for ln in text.splitlines()
        }
    for par in GP_PARS:
        res, t = cpu(lambda q=par: dk.voi.evppi(small, None, q, method="gp", random_seed=1))
        gam = dk.voi.evppi(small, None, par, method="gam", random_seed=1)
        rows.append(
            (
                f"GP 2,000 draws: {par}",
                "gp",
                t,
                f"EVPPI {res.evppi:.2f} (gam {gam.evppi:.2f} se {gam.se:.2f})",
            )
        )
        x = pars[[par]].to_numpy()[:2000]
        fitted, t_old = cpu(lambda x=x: old_gp_fitted(x, y[:, 0]))
        old = value_from_fitted(fitted[:, None], 2)[0]
        rows.append((f"GP 2,000 draws: {par}", "gp before", t_old, f"EVPPI {old:.2f} (baseline)"))
        if par in voi:
            rows.append(
                (f"GP 2,000 draws: {par}", "R voi gp", voi[par][0], f"EVPPI {voi[par][1]:.2f}")
            )

    if not args.no_bart:
        try:
            import pymc_bart  # noqa: F401
        except ImportError:
            print("(pymc-bart not installed: BART skipped)")
        else:
            par = "p_side_effects_t2"
            res, t = cpu(lambda: dk.voi.evppi(small, None, par, method="bart", random_seed=1))
            rows.append(
                (f"BART 2,000 draws: {par}", "bart", t, f"EVPPI {res.evppi:.2f} se {res.se:.2f}")
            )

    print(f"{'task':<40} {'method':<10} {'CPU s':>8}  note")
    for task, method, t, note in rows:
        print(f"{task:<40} {method:<10} {t:8.3f}  {note}")


if __name__ == "__main__":
    main()
