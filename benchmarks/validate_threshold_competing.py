"""Competing-risks decision curve on dcurves' ``df_surv`` against R (optional, not a test).

Checks, on the example data of the R package dcurves (MIT licence; ``data/df_surv.rda``):

1. the values quoted in issue 20 from R dcurves, ``dca(Surv(ttcancer, cancer_cr) ~
   cancerpredmarker, data = df_surv, time = 1.5)``: net benefit 0.14700 at threshold 0.1,
   and 0.1611 when death from other causes is treated as censoring (``Surv(ttcancer, cancer)``);
2. the whole curve (thresholds 0, 0.01, ..., 0.99) against R's ``survival::survfit`` on a
   multi-state ``Surv()`` fitted to the test positives at each threshold, read at the horizon
   into the state "diagnosed with cancer" -- what dcurves' ``.surv_to_risk()`` does.

R and the survival package must be installed (``Rscript``). Pass the .rda file of a dcurves
checkout (``git clone https://github.com/ddsjoberg/dcurves``; this script never downloads)::

    python benchmarks/validate_threshold_competing.py --rda /path/to/dcurves/data/df_surv.rda

The .rda is converted to CSV with base R (``load()``, ``write.csv()``) in a temporary
directory. Without the file or R the script says so and exits cleanly.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import decisionkit as dk

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(survival))
load(args[1])
d <- as.data.frame(df_surv)
d$cancer <- as.integer(d$cancer)
write.csv(d[, c("ttcancer", "cancer", "cancerpredmarker")],
          file.path(args[2], "df_surv.csv"), row.names = FALSE)
writeLines(as.character(d$cancer_cr), file.path(args[2], "cancer_cr.txt"))
thr <- (0:99) / 100
t0 <- proc.time()[["elapsed"]]
# dcurves nudges risks of exactly 0 below 0 (never positive) and exactly 1 above 1
r <- ifelse(d$cancerpredmarker == 0, -.Machine$double.eps, d$cancerpredmarker)
out <- t(sapply(thr, function(t) {
  pos <- d[r >= t, ]
  if (nrow(pos) == 0) return(c(t, 0, 0))
  fit <- survfit(Surv(ttcancer, cancer_cr) ~ 1, data = pos)
  if (max(fit$time) < 1.5) return(c(t, nrow(pos) / nrow(d), NA))
  cif <- summary(fit, times = 1.5, extend = TRUE)$pstate
  col <- which(fit$states == "diagnosed with cancer")
  c(t, nrow(pos) / nrow(d), cif[1, col])
}))
cat(proc.time()[["elapsed"]] - t0, file = file.path(args[2], "seconds.txt"))
colnames(out) <- c("threshold", "pos_rate", "cif")
write.csv(out, file.path(args[2], "r_curve.csv"), row.names = FALSE)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rda", default="../dcurves/data/df_surv.rda")
    args = parser.parse_args()
    rda = Path(args.rda)
    if not rda.exists() or shutil.which("Rscript") is None:
        print(f"Skipped: needs Rscript and dcurves' df_surv.rda (looked at {rda}).")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["Rscript", "-e", R_SCRIPT, str(rda), tmp], check=True)
        d = pd.read_csv(Path(tmp) / "df_surv.csv")
        d["cancer_cr"] = (Path(tmp) / "cancer_cr.txt").read_text().splitlines()
        r_curve = pd.read_csv(Path(tmp) / "r_curve.csv")
        r_seconds = float((Path(tmp) / "seconds.txt").read_text())

    risks = {"cancerpredmarker": d["cancerpredmarker"]}
    dk.threshold.decision_curve(  # compile (or load) the numba kernel before timing
        d["cancer"], risks, time_to_event=d["ttcancer"], horizon=1.5, thresholds=[0.5]
    )
    t0 = time.process_time()
    cr = dk.threshold.decision_curve(
        d["cancer_cr"],
        risks,
        time_to_event=d["ttcancer"],
        horizon=1.5,
        event_of_interest="diagnosed with cancer",
        competing=("dead other causes",),
        censored="censor",
    )
    ours_seconds = time.process_time() - t0
    km = dk.threshold.decision_curve(
        d["cancer"], risks, time_to_event=d["ttcancer"], horizon=1.5, thresholds=[0.1]
    )
    nb_cr = cr.at(0.1).set_index("model").loc["cancerpredmarker", "net_benefit"]
    nb_km = km.at(0.1).set_index("model").loc["cancerpredmarker", "net_benefit"]
    print(f"net benefit at 0.1, competing risks : {nb_cr:.5f}  (R dcurves 0.14700)")
    print(f"net benefit at 0.1, death censored  : {nb_km:.4f}   (R dcurves 0.1611)")

    frame = cr.to_frame().query("model == 'cancerpredmarker'").reset_index(drop=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ours_cif = np.where(frame["pos_rate"] == 0, 0.0, frame["tp_rate"] / frame["pos_rate"])
    diff_cif = np.nanmax(np.abs(ours_cif - r_curve["cif"].to_numpy()))
    # (decisionkit leaves the rates NaN where the curve is undefined: follow-up too short)
    diff_pos = np.nanmax(np.abs(frame["pos_rate"].to_numpy() - r_curve["pos_rate"].to_numpy()))
    same_nan = np.array_equal(np.isnan(ours_cif), np.isnan(r_curve["cif"].to_numpy()))
    print(
        f"100 thresholds vs R survival::survfit (multi-state): max |CIF diff| {diff_cif:.1e}, "
        f"max |positive rate diff| {diff_pos:.1e}, same undefined thresholds "
        f"({int(np.isnan(ours_cif).sum())}, follow-up ends before 1.5): {same_nan}"
    )
    print(f"time: R survfit loop {r_seconds:.2f} s (elapsed); decisionkit {ours_seconds:.4f} s CPU")
    ok = (
        abs(nb_cr - 0.14700) < 5e-6 and abs(nb_km - 0.1611) < 5e-5 and diff_cif < 1e-10 and same_nan
    )
    print("agreement:", "OK" if ok else "DIFFERENCES FOUND")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
