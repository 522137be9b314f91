"""Validate NetworkMetaAnalysis on the smoking cessation network of NICE DSU TSD 2 / TSD 4.

Reads ``../shared/reference/nma/smoking_tsd.csv`` (24 trials, 4 treatments, 50 arms;
Hasselblad 1998) relative to the repository, or the path given as the first argument; skips
when it is absent. Fits the TSD 2 binomial-logit model with d ~ N(0, 100^2):

* fixed effects, compared with TSD 2's published results (JAGS/WinBUGS, 4 x 50,000 draws);
* random effects (sd ~ U(0, 5)), printed beside TSD 2 / TSD 4's published table, with
  the unrelated mean effects model beside it;
* when ``Rscript`` with rjags is available, the same two models in JAGS on this machine
  (the TSD 2 code, written out below) as a same-machine reference.

Run: ``python benchmarks/validate_nma_tsd.py [path/to/smoking_tsd.csv] [--draws N]``.
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

from decisionkit.models.evidence import NetworkMetaAnalysis

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / ".." / "shared" / "reference" / "nma" / "smoking_tsd.csv"
TREATMENTS = ["Self-help", "Individual counselling", "Group counselling"]

# NICE DSU TSD 2 (Dias et al. 2011), smoking cessation example, log odds ratios against
# no contact: posterior mean (95% CrI); fixed effects as quoted in the issue (JAGS 4 x 50,000).
TSD2_FIXED = {
    "Self-help": (0.225, -0.021, 0.474),
    "Individual counselling": (0.766, 0.652, 0.880),
    "Group counselling": (0.840, 0.496, 1.185),
}
TSD2_FIXED_RESDEV = 267.2
# Random effects, consistency model (TSD 2 Table / TSD 4 Table for this network, as published:
# medians or means with 95% CrI, sd ~ U(0, 5)).
TSD_RANDOM = {
    "Self-help": (0.49, -0.29, 1.31),
    "Individual counselling": (0.84, 0.39, 1.39),
    "Group counselling": (1.10, 0.26, 2.05),
    "sd": (0.82, 0.55, 1.27),
}
TSD_RANDOM_FIT = {"resdev": 54.0, "pD": 45.0, "DIC": 99.0}

JAGS_MODEL = r"""
suppressMessages(library(rjags))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); effects <- args[2]; n_iter <- as.integer(args[3])
d <- d[order(d$study, d$trt), ]
studies <- unique(d$study); ns <- length(studies)
na <- as.vector(table(factor(d$study, levels = studies)))
mk <- function(col) { m <- matrix(NA, ns, max(na))
  for (i in seq_len(ns)) { x <- d[d$study == studies[i], col]; m[i, seq_along(x)] <- x }; m }
dat <- list(r = mk("r"), n = mk("n"), t = mk("trt"), na = na, ns = ns, nt = max(d$trt))
re <- effects == "random"
model <- paste0("model {
 for (i in 1:ns) {
  mu[i] ~ dnorm(0, 1.0E-4)
  ", if (re) "w[i,1] <- 0\n  delta[i,1] <- 0\n" else "", "
  for (k in 1:na[i]) {
   r[i,k] ~ dbin(p[i,k], n[i,k])
   logit(p[i,k]) <- mu[i] + ", if (re) "delta[i,k]" else "(d[t[i,k]] - d[t[i,1]])", "
   rhat[i,k] <- p[i,k] * n[i,k]
   dev[i,k] <- 2 * (r[i,k] * (log(r[i,k]) - log(rhat[i,k])) +
               (n[i,k] - r[i,k]) * (log(n[i,k] - r[i,k]) - log(n[i,k] - rhat[i,k])))
  }
  resdev[i] <- sum(dev[i, 1:na[i]])
  ", if (re) "for (k in 2:na[i]) {
   delta[i,k] ~ dnorm(md[i,k], taud[i,k])
   md[i,k] <- d[t[i,k]] - d[t[i,1]] + sw[i,k]
   taud[i,k] <- tau * 2 * (k - 1) / k
   w[i,k] <- delta[i,k] - d[t[i,k]] + d[t[i,1]]
   sw[i,k] <- sum(w[i, 1:(k-1)]) / (k - 1)
  }" else "", "
 }
 totresdev <- sum(resdev[])
 d[1] <- 0
 for (k in 2:nt) { d[k] ~ dnorm(0, 1.0E-4) }
 ", if (re) "sd ~ dunif(0, 5)\n tau <- pow(sd, -2)" else "", "
}")
inits <- lapply(1:4, function(i) list(.RNG.name = "base::Mersenne-Twister", .RNG.seed = i))
m <- jags.model(textConnection(model), data = dat, n.chains = 4, inits = inits, quiet = TRUE)
update(m, n_iter, progress.bar = "none")
s <- coda.samples(m, c("d", "totresdev", "rhat", if (re) "sd"), n.iter = n_iter,
                  progress.bar = "none")
x <- as.matrix(s)
q <- function(v) sprintf("%.3f %.3f %.3f", mean(v), quantile(v, .025), quantile(v, .975))
for (k in 2:dat$nt) cat(sprintf("d[%d] %s\n", k, q(x[, sprintf("d[%d]", k)])))
if (re) cat(sprintf("sd %s\n", q(x[, "sd"])))
rb <- mean(x[, "totresdev"]); dev0 <- 0
for (i in 1:ns) for (k in 1:na[i]) {
  rh <- mean(x[, sprintf("rhat[%d,%d]", i, k)]); r <- dat$r[i,k]; n <- dat$n[i,k]
  dev0 <- dev0 + 2 * (ifelse(r > 0, r * log(r / rh), 0) +
                      ifelse(n - r > 0, (n - r) * log((n - r) / (n - rh)), 0)) }
cat(sprintf("fit %.2f %.2f %.2f\n", rb, rb - dev0, 2 * rb - dev0))
"""


def jags(path: Path, effects: str, n_iter: int) -> dict[str, tuple[float, ...]] | None:
    """TSD 2's model in JAGS (4 chains x n_iter after n_iter burn-in), or None."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(JAGS_MODEL)
    run = subprocess.run(
        ["Rscript", fh.name, str(path), effects, str(n_iter)],
        capture_output=True,
        text=True,
        check=False,
    )
    Path(fh.name).unlink()
    if run.returncode != 0:
        print("JAGS run failed:", run.stderr.strip()[-300:])
        return None
    out: dict[str, tuple[float, ...]] = {}
    names = {"d[2]": "Self-help", "d[3]": "Individual counselling", "d[4]": "Group counselling"}
    for line in run.stdout.splitlines():
        key, *vals = line.split()
        out[names.get(key, key)] = tuple(float(v) for v in vals)
    return out


def _fmt(v: tuple[float, ...]) -> str:
    return f"{v[0]:6.3f} ({v[1]:6.3f}, {v[2]:6.3f})"


def report(effects: str, data: pd.DataFrame, draws: int, path: Path) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    nma = NetworkMetaAnalysis(
        effects=effects,
        random_seed=2011,
        sampler_config={"draws": draws, "tune": 1000, "chains": 4, "progressbar": False},
    ).fit(data, study="study", treatment="trt_name", events="r", total="n")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rel = nma.relative_effects().set_index("treatment")
    stats = nma.fit_statistics()
    published = TSD2_FIXED if effects == "fixed" else TSD_RANDOM
    ref = jags(path, effects, 50_000 if draws >= 5000 else 5000)
    print(f"\n=== {effects} effects: 4 chains x {draws} draws; wall {wall:.1f} s, CPU {cpu:.1f} s")
    print(f"diagnostics: {nma.diagnostics_}")
    print(f"{'':24s} {'decisionkit (PyMC)':>26s} {'published (TSD)':>26s} {'JAGS here':>26s}")
    rows = TREATMENTS + (["sd"] if effects == "random" else [])
    het = nma.heterogeneity().iloc[0] if effects == "random" else None
    for name in rows:
        r = het if name == "sd" else rel.loc[name]
        ours = (r["mean"], r["lower"], r["upper"])
        pub = _fmt(published[name])
        jag = _fmt(ref[name]) if ref else "-"
        print(f"{name:24s} {_fmt(ours):>26s} {pub:>26s} {jag:>26s}")
        if effects == "fixed":
            diff = abs(ours[0] - published[name][0])
            print(f"{'':24s} |mean - TSD 2| = {diff:.3f}")
    pub_fit = (
        f"resdev {TSD2_FIXED_RESDEV}"
        if effects == "fixed"
        else "resdev {resdev}, pD {pD}, DIC {DIC}".format(**TSD_RANDOM_FIT)
    )
    print(
        f"fit: resdev {stats['resdev']:.1f} for {int(stats['n_data'])} data points, "
        f"pD {stats['pD']:.1f}, DIC {stats['DIC']:.1f}   (published: {pub_fit})"
    )
    if ref and "fit" in ref:
        print("JAGS here: resdev {:.1f}, pD {:.1f}, DIC {:.1f}".format(*ref["fit"]))
    if effects == "random":
        ume = nma.unrelated_mean_effects()
        print("\nunrelated mean effects (TSD 4) against consistency:")
        print(ume.fit.round(1).to_string())


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    draws = 5000
    if "--draws" in sys.argv:
        draws = int(sys.argv[sys.argv.index("--draws") + 1])
        args = [a for a in args if a != str(draws)]
    path = Path(args[0]) if args else DEFAULT
    if not path.exists():
        print(f"skipped: {path} not found (the TSD smoking data are not shipped)")
        return 0
    data = pd.read_csv(path)
    print(f"smoking cessation network: {data['study'].nunique()} studies, {len(data)} arms")
    for effects in ("fixed", "random"):
        report(effects, data, draws, path)
    np.seterr(all="ignore")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
