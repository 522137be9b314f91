"""Validate dk.cea against the R peers' example data (BCEA, voi, dampack), when present.

Reads the GPL reference CSVs from /work/shared/reference (never copied into this repo), runs
dk.cea.analyze and prints the ICER table, CEAC and EVPI at a few willingness-to-pay values
beside an independent plain-numpy computation of the same quantities. For voi's chemo data
the EVPI at 20,000 GBP/QALY is also computed from voi's own net-benefit matrix (chemo_nb).
Run: ``PYTHONPATH=. python benchmarks/validate_bcea.py [reference_dir]``.
"""

from __future__ import annotations

import sys
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
    ceac = ce.ceac().pivot(index="wtp", columns="strategy", values="probability")[out.actions]
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
    print(f"\nlargest |dk - numpy| (CEAC abs, EVPI rel): {worst:.3g}")


if __name__ == "__main__":
    main()
