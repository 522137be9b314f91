"""Cross-check dk.voi.prediction_voi against the bootstrap EVPI of Sadatsafavi et al. in R.

Not a test: needs ``Rscript`` with the recommended package MASS (for the ``birthwt`` data used
by the paper's stylized example). R writes the data to a temporary directory and computes the
validation EVPI of the model ``logit(pi) = 2 - 0.05 age - 0.01 lwt`` by the ordinary and the
Bayesian bootstrap (the algorithm of Sadatsafavi et al., Med Decis Making 2023, written here as
a plain R loop over replicates); decisionkit computes the same quantities. Both are Monte-Carlo
estimates with different random numbers, so they are compared within their standard errors.
The paper reports EVPI = 0.00087 at threshold 0.2 (ordinary bootstrap, 10,000 replicates).

    python benchmarks/validate_prediction_voi.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import decisionkit as dk

N_SIM = 10_000
THRESHOLDS = [0.1, 0.2, 0.3]
PAPER_EVPI_02 = 0.0008698413  # Sadatsafavi et al. 2023, stylized example, z = 0.2

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]; n_sim <- as.integer(args[2]); zs <- as.numeric(strsplit(args[3], ",")[[1]])
suppressMessages(library(MASS))
data(birthwt)
y <- birthwt$low
pi <- 1 / (1 + exp(-(2 - 0.05 * birthwt$age - 0.01 * birthwt$lwt)))
write.csv(data.frame(y = y, pi = pi), file.path(out, "birthwt.csv"), row.names = FALSE)
n <- length(y)
one <- function(bayes) {
  res <- NULL
  for (z in zs) {
    tz <- z / (1 - z)
    nb_model <- nb_all <- numeric(n_sim)
    for (i in 1:n_sim) {
      if (bayes) { w <- rexp(n); w <- w / sum(w) } else {
        w <- tabulate(sample.int(n, n, replace = TRUE), n) / n }
      nb_all[i] <- sum(w * (y - (1 - y) * tz))
      nb_model[i] <- sum(w * (pi >= z) * (y - (1 - y) * tz))
    }
    top <- pmax(0, nb_model, nb_all)
    evpi <- mean(top) - max(0, mean(nb_model), mean(nb_all))
    res <- rbind(res, data.frame(method = ifelse(bayes, "bayesian_bootstrap", "bootstrap"),
                                 threshold = z, evpi = evpi,
                                 p_useful = mean(nb_model == top)))
  }
  res
}
set.seed(123)
t0 <- proc.time()
res <- rbind(one(FALSE), one(TRUE))
el <- proc.time() - t0
res$cpu_seconds <- unname(el["user.self"] + el["sys.self"])
write.csv(res, file.path(out, "r.csv"), row.names = FALSE)
"""


def main() -> None:
    if shutil.which("Rscript") is None:
        sys.exit("Rscript is not available; nothing to compare against.")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        (out / "voi.R").write_text(R_SCRIPT)
        proc = subprocess.run(
            ["Rscript", str(out / "voi.R"), str(out), str(N_SIM), ",".join(map(str, THRESHOLDS))],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            sys.exit(f"R failed (is MASS installed?):\n{proc.stderr}")
        data = pd.read_csv(out / "birthwt.csv")
        theirs = pd.read_csv(out / "r.csv")
    # compile the decision kernel (numba) once, outside the timings
    dk.voi.prediction_voi([0, 1, 1, 0], [0.1, 0.6, 0.4, 0.3], thresholds=0.2, n_draws=100)
    rows = []
    for method in ["bootstrap", "bayesian_bootstrap"]:
        t0 = time.process_time()
        res = dk.voi.prediction_voi(
            data["y"],
            data["pi"],
            thresholds=THRESHOLDS,
            n_draws=N_SIM,
            method=method,
            random_seed=1,
        )
        cpu = time.process_time() - t0
        r = theirs[theirs["method"] == method].set_index("threshold")
        for row in res.table.itertuples(index=False):
            rr = r.loc[row.threshold]
            diff = row.evpi - rr["evpi"]
            rows.append(
                {
                    "method": method,
                    "threshold": row.threshold,
                    "evpi_dk": row.evpi,
                    "evpi_R": rr["evpi"],
                    "se": row.evpi_se,
                    "diff/(sqrt2 se)": diff / (np.sqrt(2) * row.evpi_se) if row.evpi_se else 0,
                    "p_useful_dk": row.prob_model_best,
                    "p_useful_R": rr["p_useful"],
                    "cpu_dk": cpu,
                    "cpu_R": rr["cpu_seconds"],
                }
            )
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 160):
        print(table.round(6).to_string(index=False))
    boot = table[(table["method"] == "bootstrap") & (table["threshold"] == 0.2)].iloc[0]
    print(
        f"paper (z = 0.2, bootstrap): {PAPER_EVPI_02:.6f}; decisionkit {boot['evpi_dk']:.6f} "
        f"+- {boot['se']:.6f} ({(boot['evpi_dk'] - PAPER_EVPI_02) / boot['se']:+.2f} se)"
    )
    print(
        "CPU seconds for 3 thresholds x 10,000 replicates x 2 methods: decisionkit "
        f"{table['cpu_dk'].unique().sum():.2f}, "
        f"R loop {table['cpu_R'].iloc[0]:.2f}"
    )


if __name__ == "__main__":
    main()
