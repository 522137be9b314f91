"""Validate dk.sensitivity.one_way_psa / two_way_psa against dampack's owsa(psa) / twsa(psa).

On dampack's example PSA (``dampack/example_psa_{cost,effectiveness,parameters}.csv`` under
the reference directory; 10,000 draws, strategies Chemo, Radio, Surg, 8 parameters), with
outcome the net monetary benefit at wtp 51,000, parameters ``pFailChemo`` and ``muDieCancer``
and dampack's default quadratic metamodel (``poly.order = 2``, ``nsamp = 100``, ranges the
2.5%-97.5% PSA quantiles), this script prints the predicted NMB per strategy across each
parameter's range and compares it with

1. dampack itself, when ``Rscript`` can load it (``library(dampack)``; point ``R_LIBS`` at
   the library it is installed in). dampack is not on CRAN's Debian mirror; we built it from
   source (github DARTH-git/dampack, commit 0430fee8) with ``R CMD INSTALL`` after removing
   its ``triangle`` import (``triangle`` is not packaged by Debian and CRAN is unreachable
   here; it is used only by ``gen_psa_samp`` for triangular distributions, not by the
   metamodel). Compared: ``owsa(psa, params, outcome = "nmb", wtp = 51000)``, the
   ``owsa_opt_strat(..., return = "data")`` intervals, ``twsa(psa, "pFailChemo",
   "muDieCancer", ...)`` and, for dk.voi.evsi_gaussian, ``calc_evsi(psa, wtp = 51000, params
   = p, outcome = "nmb", n = c(10, 100, 1000), n0 = 10)`` for each of the two parameters.
2. an independent plain-numpy reimplementation of dampack's formulas, always: one-way
   ``lm(y ~ poly(p, 2, raw = TRUE))`` is least squares on the raw columns ``[1, p, p^2]``;
   two-way ``lm(y ~ poly(p1, 2, raw = TRUE) + poly(p2, 2, raw = TRUE) + poly(p1, 2, raw =
   TRUE):poly(p2, 2, raw = TRUE))`` is least squares on ``[1, p1, p1^2, p2, p2^2]`` and the
   four products ``p1^i p2^j`` (i, j in 1..2); the grid is ``seq(q025, q975, length.out =
   100)`` with R's default (type 7, numpy's "linear") quantiles. decisionkit fits on the
   standardised parameter instead; the predictions must agree to rounding.

Run: ``R_LIBS=/path/to/dampack/lib PYTHONPATH=. python benchmarks/validate_dampack_owsa.py
[reference_dir]``. Skips cleanly when the reference data are absent.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import decisionkit as dk

_REPO = Path(__file__).resolve().parents[1]
_CANDIDATES = [_REPO / "../shared/reference", _REPO / "../../shared/reference"]
REF = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else next((c for c in _CANDIDATES if c.exists()), _CANDIDATES[0])
) / "dampack"
WTP = 51_000.0
PARAMS = ["pFailChemo", "muDieCancer"]
STRATEGIES = ["Chemo", "Radio", "Surg"]
NSAMP = 100

R_SCRIPT = r"""
args <- commandArgs(TRUE)
suppressPackageStartupMessages(library(dampack))
ref <- args[1]; out <- args[2]
cost <- read.csv(file.path(ref, "example_psa_cost.csv"))
eff <- read.csv(file.path(ref, "example_psa_effectiveness.csv"))
par <- read.csv(file.path(ref, "example_psa_parameters.csv"))
psa <- make_psa_obj(cost, eff, par, strategies = c("Chemo", "Radio", "Surg"))
ow <- owsa(psa, params = c("pFailChemo", "muDieCancer"), outcome = "nmb", wtp = 51000)
write.csv(as.data.frame(ow), file.path(out, "owsa.csv"), row.names = FALSE)
opt <- owsa_opt_strat(ow, return = "data")
write.csv(as.data.frame(opt), file.path(out, "opt.csv"), row.names = FALSE)
tw <- twsa(psa, param1 = "pFailChemo", param2 = "muDieCancer", outcome = "nmb", wtp = 51000)
write.csv(as.data.frame(tw), file.path(out, "twsa.csv"), row.names = FALSE)
ev <- NULL
for (p in c("pFailChemo", "muDieCancer")) {
  e <- calc_evsi(psa, wtp = 51000, params = p, outcome = "nmb", n = c(10, 100, 1000),
                 n0 = 10, progress = FALSE)$df_evsi
  ev <- rbind(ev, data.frame(parameter = p, n = e$n, evsi = e$EVSI))
}
write.csv(ev, file.path(out, "evsi.csv"), row.names = FALSE)
cat("dampack", as.character(packageVersion("dampack")), "\n")
"""


def load() -> tuple[dk.OutcomeDistribution, pd.DataFrame, np.ndarray]:
    cost = pd.read_csv(REF / "example_psa_cost.csv")
    eff = pd.read_csv(REF / "example_psa_effectiveness.csv")
    par = pd.read_csv(REF / "example_psa_parameters.csv")
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": cost.to_numpy(), "qaly": eff.to_numpy()}, actions=STRATEGIES, inputs=par
    )
    return out, par, WTP * eff.to_numpy() - cost.to_numpy()


def numpy_oneway(par: pd.DataFrame, nmb: np.ndarray) -> pd.DataFrame:
    """dampack's one-way formula on raw polynomial columns (see the module docstring)."""
    rows = []
    for p in PARAMS:
        x = par[p].to_numpy()
        coef = np.linalg.lstsq(np.vander(x, 3, increasing=True), nmb, rcond=None)[0]
        grid = np.linspace(*np.quantile(x, [0.025, 0.975]), NSAMP)
        pred = np.vander(grid, 3, increasing=True) @ coef
        for j, s in enumerate(STRATEGIES):
            rows.append(
                pd.DataFrame({"parameter": p, "strategy": s, "value": grid, "np": pred[:, j]})
            )
    return pd.concat(rows, ignore_index=True)


def numpy_twoway(par: pd.DataFrame, nmb: np.ndarray) -> pd.DataFrame:
    """dampack's two-way formula on raw polynomial columns and their products."""

    def design(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        cols = [np.ones_like(a), a, a**2, b, b**2]
        cols += [a**i * b**j for j in (1, 2) for i in (1, 2)]
        return np.column_stack(cols)

    a, b = par[PARAMS[0]].to_numpy(), par[PARAMS[1]].to_numpy()
    coef = np.linalg.lstsq(design(a, b), nmb, rcond=None)[0]
    ga = np.linspace(*np.quantile(a, [0.025, 0.975]), NSAMP)
    gb = np.linspace(*np.quantile(b, [0.025, 0.975]), NSAMP)
    xa, xb = np.meshgrid(ga, gb)
    pred = design(xa.ravel(), xb.ravel()) @ coef
    return pd.DataFrame(
        {
            "x": np.repeat(xa.ravel(), 3),
            "y": np.repeat(xb.ravel(), 3),
            "strategy": STRATEGIES * xa.size,
            "np": pred.ravel(),
        }
    )


def align(a: pd.DataFrame, b: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Pair rows of two grids by position along ``value`` within ``keys`` (CSV floats differ
    from ours in the last digits, so exact float joins would miss), checking the values."""
    a = a.sort_values([*keys, value], kind="stable").reset_index(drop=True)
    b = b.sort_values([*keys, value], kind="stable").reset_index(drop=True)
    if len(a) != len(b) or not np.allclose(a[value], b[value], rtol=1e-12, atol=0):
        raise SystemExit(f"the grids of {value} differ between the two tables")
    return pd.concat([a, b.drop(columns=[*keys, value])], axis=1)


def run_dampack() -> dict[str, pd.DataFrame] | None:
    if shutil.which("Rscript") is None:
        print("\nRscript not found: skipping the dampack comparison.")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "owsa.R"
        script.write_text(R_SCRIPT)
        run = subprocess.run(
            ["Rscript", str(script), str(REF.resolve()), tmp],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if run.returncode != 0:
            print("\ndampack could not run (install it and set R_LIBS):", run.stderr.strip()[-400:])
            return None
        print("\n" + run.stdout.strip())
        return {k: pd.read_csv(Path(tmp) / f"{k}.csv") for k in ("owsa", "opt", "twsa", "evsi")}


def main() -> int:
    if not (REF / "example_psa_cost.csv").exists():
        print(f"dampack example PSA not found under {REF}: skipping.")
        return 0
    out, par, nmb = load()
    u = dk.utility.net_monetary_benefit(wtp=WTP)
    ow = dk.sensitivity.one_way_psa(out, u, PARAMS)
    tw = dk.sensitivity.two_way_psa(out, u, *PARAMS)
    print(f"dampack example PSA: {out.n_draws} draws, strategies {out.actions}, wtp {WTP:,.0f}")
    print(ow)
    f = ow.to_frame()
    wide = f.pivot_table(
        index=["parameter", "value"], columns="strategy", values="expected_utility"
    )
    for p in PARAMS:
        print(f"\nPredicted NMB across {p} (every 11th of {NSAMP} points):")
        print(wide.loc[p].iloc[::11].to_string(float_format=lambda v: f"{v:,.2f}"))
    print("\nWhere each strategy is optimal (owsa_opt_strat):")
    print(ow.optimal().to_string(index=False))
    print("\n" + repr(tw))

    ref = align(numpy_oneway(par, nmb), f, ["parameter", "strategy"], "value")
    d1 = (ref["expected_utility"] - ref["np"]).abs().max()
    ref2 = align(
        numpy_twoway(par, nmb), tw.to_frame().sort_values(["strategy", "x"]), ["strategy", "y"], "x"
    )
    d2 = (ref2["expected_utility"] - ref2["np"]).abs().max()
    print(
        f"\nnumpy reimplementation of dampack's formula: max |diff| one-way {d1:.3g}, "
        f"two-way {d2:.3g} (NMB ~ 5e5)"
    )

    r = run_dampack()
    if r is not None:
        got = r["owsa"].rename(columns={"param_val": "value", "outcome_val": "dampack"})
        got = align(got, f, ["parameter", "strategy"], "value")
        worst = (got["expected_utility"] - got["dampack"]).abs().max()
        print(
            f"dampack owsa vs dk one_way_psa: {len(got)} rows, max |diff| {worst:.3g}, "
            f"max relative {(worst / got['dampack'].abs().max()):.2g}"
        )
        print("dampack owsa_opt_strat:")
        print(r["opt"].to_string(index=False))
        tws = r["twsa"].rename(columns={PARAMS[0]: "x", PARAMS[1]: "y", "outcome_val": "dampack"})
        tws = align(tws, tw.to_frame(), ["strategy", "y"], "x")
        worst2 = (tws["expected_utility"] - tws["dampack"]).abs().max()
        best = tws.loc[tws.groupby(["x", "y"])["dampack"].idxmax()]
        agree = best["optimal"].mean()
        print(
            f"dampack twsa vs dk two_way_psa: {len(tws)} rows, max |diff| {worst2:.3g}; "
            f"optimal strategy agrees in {agree:.2%} of {len(best)} cells"
        )
        # EVSI by Gaussian approximation: both shrink a GAM fit, but mgcv's thin-plate
        # spline and decisionkit's P-spline differ, so agreement is within regression noise
        print(
            "\nEVSI by Gaussian approximation (n0 = 10): dampack calc_evsi vs dk.voi.evsi_gaussian"
        )
        for p, g in r["evsi"].groupby("parameter", sort=False):
            dk_ev = dk.voi.evsi_gaussian(out, u, p, n=g["n"].tolist(), n0=10).evsi
            for row in g.itertuples():
                ours = float(dk_ev[row.n])
                print(
                    f"  {p:<12} n={row.n:<5} dampack {row.evsi:10,.1f}  dk {ours:10,.1f}  "
                    f"({ours / row.evsi - 1:+.2%})"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
