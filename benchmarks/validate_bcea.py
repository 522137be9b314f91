"""Validate dk.cea against the R peers' example data (BCEA, voi, dampack), when present.

Reads the GPL reference CSVs from /work/shared/reference (never copied into this repo), runs
dk.cea.analyze and prints the ICER table, CEAC and EVPI at a few willingness-to-pay values
beside an independent plain-numpy computation of the same quantities. For voi's chemo data
the EVPI at 20,000 GBP/QALY is also computed from voi's own net-benefit matrix (chemo_nb).

BCEA's extras (issue 20) on its Vaccine and Smoking data: the ICERs of every comparator
against each reference (dk.cea.incremental) beside BCEA's published values (vignette
"Set bcea parameters": Vaccine 20,098; Smoking with ref = No treatment 159, 196, 198) and a
plain-numpy mean(delta_c) / mean(delta_e); and, when R is installed, a port of BCEA's own R
code (compute_ICER, compute_eib_cri, CEriskav, mixedAn; BCEA itself is not installed here)
run by Rscript on the same CSVs, for the ICERs, the EIB credible intervals, the EVPI under
risk aversion and the EVPI of a mixed strategy.
Run: ``PYTHONPATH=. python benchmarks/validate_bcea.py [reference_dir]``.
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

REF = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference")

DATASETS = {
    # name: (cost csv, effect csv, wtp values to print, currency)
    "voi chemo": ("voi/chemo_cost.csv", "voi/chemo_eff.csv", [10_000, 20_000, 30_000, 50_000]),
    "BCEA vaccine": ("bcea/vaccine_cost.csv", "bcea/vaccine_eff.csv", [0, 10_000, 25_000, 50_000]),
    "BCEA smoking": ("bcea/smoking_cost.csv", "bcea/smoking_eff.csv", [0, 250, 500, 1_000]),
    "dampack C. diff": (
        "dampack/psa_cdiff_cost.csv",
        "dampack/psa_cdiff_effectiveness.csv",
        [0, 50_000, 100_000, 150_000],
    ),
}


def plain_numpy(cost: np.ndarray, eff: np.ndarray, wtp: float) -> tuple[np.ndarray, float]:
    """Independent CEAC and EVPI at one wtp: argmax per draw and E[max] - max E."""
    nb = wtp * eff - cost
    ceac = np.bincount(nb.argmax(axis=1), minlength=nb.shape[1]) / nb.shape[0]
    return ceac, float(nb.max(axis=1).mean() - nb.mean(axis=0).max())


def check(name: str, cost_csv: str, eff_csv: str, wtps: list[float]) -> float:
    cost = pd.read_csv(REF / cost_csv)
    eff = pd.read_csv(REF / eff_csv)
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": cost.to_numpy(), "qaly": eff.to_numpy()}, actions=list(cost.columns)
    )
    ce = dk.cea.analyze(out, wtp=np.asarray(wtps, dtype=float))
    print(f"\n=== {name}: {out.n_draws} draws, strategies {out.actions}")
    print(ce.icers().to_string(index=False, float_format=lambda v: f"{v:,.6g}"))
    sp = ce.switch_points()
    print(
        "switch points:",
        [f"{r.from_strategy}->{r.to_strategy} at {r.wtp:,.6g}" for r in sp.itertuples()],
    )
    ceac = ce.ceac().pivot(index="wtp", columns="strategy", values="prob_best")[out.actions]
    evpi = ce.evpi
    worst = 0.0
    for w in wtps:
        p_np, ev_np = plain_numpy(cost.to_numpy(), eff.to_numpy(), w)
        p_dk, ev_dk = ceac.loc[float(w)].to_numpy(), evpi.loc[float(w)]
        worst = max(worst, np.abs(p_dk - p_np).max(), abs(ev_dk - ev_np) / max(1.0, abs(ev_np)))
        print(
            f"wtp {w:>9,}: CEAC dk {np.round(p_dk, 4).tolist()} numpy {np.round(p_np, 4).tolist()}"
            f" | EVPI dk {ev_dk:,.6g} numpy {ev_np:,.6g}"
        )
    return worst


def voi_nb_check() -> None:
    nb = pd.read_csv(REF / "voi/chemo_nb.csv").to_numpy()
    ev = nb.max(axis=1).mean() - nb.mean(axis=0).max()
    cost = pd.read_csv(REF / "voi/chemo_cost.csv")
    eff = pd.read_csv(REF / "voi/chemo_eff.csv")
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": cost.to_numpy(), "qaly": eff.to_numpy()}, actions=list(cost.columns)
    )
    ev_dk = dk.cea.analyze(out, wtp=[20_000.0]).evpi.iloc[0]
    print(f"\nvoi chemo EVPI at 20,000 from voi's chemo_nb: {ev:,.6g}; dk.cea: {ev_dk:,.6g}")


# BCEA's published ICERs (vignettes/Set_bcea_parameters.md of BCEA 2.4, printed to 3-5 digits)
PUBLISHED = {
    ("vaccine", "Status Quo"): {"Vaccination": 20098},
    ("vaccine", "Vaccination"): {"Status Quo": 20098},
    ("smoking", "No treatment"): {
        "Self-help": 159,
        "Individual counselling": 196,
        "Group counselling": 198,
    },
}
EXTRA_WTP = [0.0, 250.0, 20_000.0]
RISK = [0.0, 2.5e-6, 5e-6]  # BCEA's default (it uses 1e-11 and 1e-10 for 0)

# A port of BCEA's R code (compute_ICER, compute_eib_cri with cri.quantile = TRUE, CEriskav,
# mixedAn) in base R; delta = reference - comparator as in BCEA.
R_CODE = r"""
args <- commandArgs(TRUE)
cost <- as.matrix(read.csv(args[1], check.names = FALSE))
eff <- as.matrix(read.csv(args[2], check.names = FALSE))
k <- as.numeric(strsplit(args[3], ",")[[1]])
rr <- as.numeric(strsplit(args[4], ",")[[1]])
nm <- colnames(cost)
for (ref in seq_len(ncol(cost))) {
  for (j in setdiff(seq_len(ncol(cost)), ref)) {
    de <- eff[, ref] - eff[, j]; dc <- cost[, ref] - cost[, j]
    cat(sprintf("icer|%s|%s|%.12g\n", nm[ref], nm[j], mean(dc) / mean(de)))
    for (w in k) {
      ib <- w * de - dc
      q <- quantile(ib, c(0.025, 0.975))
      cat(sprintf("eib|%s|%s|%.12g|%.12g|%.12g|%.12g\n", nm[ref], nm[j], w, mean(ib), q[1], q[2]))
    }
  }
}
for (w in k) {
  U <- w * eff - cost
  for (r in rr) {
    Ur <- if (r == 0) U else (1 / r) * (1 - exp(-r * U))
    cat(sprintf("riskav|%.12g|%.12g|%.12g\n", w, r, mean(apply(Ur, 1, max)) - max(colMeans(Ur))))
  }
  m <- rep(1, ncol(U)) / ncol(U)
  Ubar <- U %*% m
  cat(sprintf("mixed|%.12g|%.12g\n", w, mean(apply(U, 1, max) - Ubar)))
}
"""


def r_port(cost_csv: Path, eff_csv: Path) -> list[list[str]] | None:
    """Run the R port of BCEA's code; None when Rscript is not installed."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as f:
        f.write(R_CODE)
    args = [rscript, f.name, str(cost_csv), str(eff_csv)]
    args += [",".join(map(repr, EXTRA_WTP)), ",".join(map(repr, RISK))]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    Path(f.name).unlink()
    return [line.split("|") for line in text.splitlines() if "|" in line]


def check_reference(name: str, cost_csv: str, eff_csv: str) -> float:
    """ICERs against every reference, EIB intervals, risk aversion, mixed strategy vs BCEA."""
    cost = pd.read_csv(REF / cost_csv)
    eff = pd.read_csv(REF / eff_csv)
    strategies = list(cost.columns)
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": cost.to_numpy(), "qaly": eff.to_numpy()}, actions=strategies
    )
    rows = r_port(REF / cost_csv, REF / eff_csv)
    from_r = {} if rows is None else {tuple(r[:3]): float(r[3]) for r in rows if r[0] == "icer"}
    print(f"\n=== BCEA {name}: ICER of each comparator against each reference")
    print(f"{'reference':<24}{'comparator':<24}{'dk':>14}{'numpy':>14}{'R port':>14}{'BCEA':>8}")
    worst = 0.0
    for ref in strategies:
        inc = dk.cea.incremental(out, reference=ref, wtp=EXTRA_WTP)
        for row in inc.summary.itertuples():
            j = strategies.index(row.strategy)
            i = strategies.index(ref)
            # BCEA: delta = reference - comparator; the ratio is the same either way
            plain = float(np.mean(cost.iloc[:, i] - cost.iloc[:, j])) / float(
                np.mean(eff.iloc[:, i] - eff.iloc[:, j])
            )
            r_val = from_r.get(("icer", ref, row.strategy), np.nan)
            pub = PUBLISHED.get((name, ref), {}).get(row.strategy)
            worst = max(worst, abs(row.icer - plain) / abs(plain))
            if np.isfinite(r_val):
                worst = max(worst, abs(row.icer - r_val) / abs(r_val))
            if pub is not None:
                assert round(row.icer) == pub or abs(row.icer - pub) < 0.5 + 1e-3 * pub, (
                    ref,
                    row.strategy,
                    row.icer,
                    pub,
                )
            print(
                f"{ref:<24}{row.strategy:<24}{row.icer:>14,.6f}{plain:>14,.6f}{r_val:>14,.6f}"
                f"{'' if pub is None else f'{pub:,}':>8}"
            )
    if rows is None:
        print("Rscript not found: the R port of BCEA's code was skipped.")
        return worst
    # EIB and its 95% quantile interval: BCEA's sign is the negative of dk's
    ref_eib = [r for r in rows if r[0] == "eib"]
    for _, ref, comp, w, mean, lo, hi in ref_eib:
        e = dk.cea.incremental(out, reference=ref, wtp=[float(w)]).eib()
        e = e[e["strategy"] == comp].iloc[0]
        got = np.array([-e["eib"], -e["upper"], -e["lower"]])
        want = np.array([float(mean), float(lo), float(hi)])
        worst = max(worst, float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)))))
    print(f"EIB and 95% CrI at wtp {EXTRA_WTP}: {len(ref_eib)} comparisons against the R port")
    ra = dk.cea.risk_aversion(out, r=RISK, wtp=EXTRA_WTP)
    for _, w, r, ev in (r for r in rows if r[0] == "riskav"):
        got = float(ra.evpi.loc[(float(r), float(w))])
        worst = max(worst, abs(got - float(ev)) / max(1.0, abs(float(ev))))
        print(
            f"EVPI under risk aversion r = {float(r):g}, wtp {float(w):,.0f}: dk {got:.10g}, "
            f"R port {float(ev):.10g}"
        )
    mx = dk.cea.mixed_strategy(out, wtp=EXTRA_WTP)
    for _, w, ev in (r for r in rows if r[0] == "mixed"):
        got = float(mx.evpi.loc[float(w)])
        worst = max(worst, abs(got - float(ev)) / max(1.0, abs(float(ev))))
        print(
            f"EVPI of the equal-share mix at wtp {float(w):,.0f}: dk {got:.10g}, "
            f"R port {float(ev):.10g}"
        )
    return worst


def main() -> None:
    if not REF.exists():
        print(f"No reference data at {REF}; nothing to validate.")
        return
    worst = 0.0
    for name, (c, e, w) in DATASETS.items():
        if (REF / c).exists() and (REF / e).exists():
            worst = max(worst, check(name, c, e, w))
        else:
            print(f"\n=== {name}: files not found, skipped")
    if (REF / "voi/chemo_nb.csv").exists():
        voi_nb_check()
    for name in ("vaccine", "smoking"):
        c, e = f"bcea/{name}_cost.csv", f"bcea/{name}_eff.csv"
        if (REF / c).exists() and (REF / e).exists():
            worst_ref = check_reference(name, c, e)
            print(f"largest relative |dk - reference| for BCEA {name} extras: {worst_ref:.3g}")
    print(f"\nlargest |dk - numpy| (CEAC abs, EVPI rel): {worst:.3g}")


if __name__ == "__main__":
    main()
