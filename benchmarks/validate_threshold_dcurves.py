"""Cross-check decision_curve against the Python dcurves package (optional, not a test).

dcurves is not a dependency: install it into a throwaway virtual environment and pass its
interpreter, e.g.::

    python3.12 -m venv /tmp/dcvenv && /tmp/dcvenv/bin/pip install dcurves
    python benchmarks/validate_threshold_dcurves.py --dcurves-python /tmp/dcvenv/bin/python

dcurves runs in that interpreter (subprocess) on its own bundled data sets (binary, case-
control, survival), writes its tables to a temporary directory, and this script compares
decisionkit's net benefit and interventions avoided with them and reports the timing of both.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import decisionkit as dk

DCURVES_SCRIPT = r"""
import json, sys, time
from pathlib import Path
import numpy as np, pandas as pd
import dcurves
from dcurves import dca
out = Path(sys.argv[1])
data = Path(dcurves.__file__).parent / "data"
binary = pd.read_csv(data / "df_binary.csv")
cc = pd.read_csv(data / "df_case_control.csv")
surv = pd.read_csv(data / "df_surv.csv")
thr = [i / 100 for i in range(100)]
timing = {}
t0 = time.perf_counter()
dca(data=binary, outcome="cancer", modelnames=["cancerpredmarker", "famhistory"],
    thresholds=thr, harm={"famhistory": 0.01}, nper=1).to_csv(out / "binary.csv", index=False)
timing["binary"] = time.perf_counter() - t0
dca(data=cc, outcome="casecontrol", modelnames=["cancerpredmarker"], thresholds=thr,
    prevalence=0.2, nper=1).to_csv(out / "case_control.csv", index=False)
t0 = time.perf_counter()
dca(data=surv, outcome="cancer", modelnames=["cancerpredmarker"], thresholds=thr,
    time=1, time_to_outcome_col="ttcancer", nper=1).to_csv(out / "survival.csv", index=False)
timing["survival"] = time.perf_counter() - t0
binary.to_csv(out / "df_binary.csv", index=False)
cc.to_csv(out / "df_case_control.csv", index=False)
surv.to_csv(out / "df_surv.csv", index=False)
(out / "timing.json").write_text(json.dumps(timing))
"""

NAMES = {"all": "Treat all", "none": "Treat none"}


def compare(ours: dk.threshold.DecisionCurve, theirs: pd.DataFrame, label: str) -> float:
    theirs = theirs.assign(model=theirs["model"].replace(NAMES))
    mine = ours.to_frame()
    merged = mine.merge(theirs, on=["model", "threshold"], suffixes=("", "_dc"))
    assert len(merged) == len(mine), "threshold/model grids differ"
    nb = np.abs(merged["net_benefit"] - merged["net_benefit_dc"])
    nia = np.abs(
        merged["net_interventions_avoided"] - merged["net_intervention_avoided"].astype(float)
    )
    worst = max(np.nanmax(nb.to_numpy()), np.nanmax(nia.to_numpy()[merged["threshold"] > 0]))
    print(f"{label:<14} rows {len(merged):4d}  max |diff| net benefit & NIA: {worst:.2e}")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dcurves-python", default="/tmp/dcvenv/bin/python")
    args = parser.parse_args()
    if not Path(args.dcurves_python).exists():
        sys.exit(f"No interpreter with dcurves at {args.dcurves_python}; see the docstring.")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        subprocess.run([args.dcurves_python, "-c", DCURVES_SCRIPT, tmp], check=True)
        timing = json.loads((out / "timing.json").read_text())
        binary = pd.read_csv(out / "df_binary.csv")
        cc = pd.read_csv(out / "df_case_control.csv")
        surv = pd.read_csv(out / "df_surv.csv")

        t0 = time.perf_counter()
        dc = dk.threshold.decision_curve(
            binary["cancer"],
            binary[["cancerpredmarker", "famhistory"]],
            harm={"famhistory": 0.01},
            nia_per=1,
        )
        t_bin = time.perf_counter() - t0
        worst = [compare(dc, pd.read_csv(out / "binary.csv"), "binary")]
        dc = dk.threshold.decision_curve(
            cc["casecontrol"],
            {"cancerpredmarker": cc["cancerpredmarker"]},
            prevalence=0.2,
            nia_per=1,
        )
        worst.append(compare(dc, pd.read_csv(out / "case_control.csv"), "case-control"))
        t0 = time.perf_counter()
        dc = dk.threshold.decision_curve(
            surv["cancer"],
            {"cancerpredmarker": surv["cancerpredmarker"]},
            time_to_event=surv["ttcancer"],
            horizon=1,
            nia_per=1,
        )
        t_surv = time.perf_counter() - t0
        worst.append(compare(dc, pd.read_csv(out / "survival.csv"), "survival"))
    print(
        f"binary   (750 x 100 x 2 models): dcurves {timing['binary']:.3f} s, "
        f"decisionkit {t_bin:.4f} s"
    )
    print(
        f"survival (750 x 100 x 1 model) : dcurves {timing['survival']:.3f} s, "
        f"decisionkit {t_surv:.4f} s"
    )
    print("agreement:", "OK" if max(worst) < 1e-9 else "DIFFERENCES FOUND")


if __name__ == "__main__":
    main()
