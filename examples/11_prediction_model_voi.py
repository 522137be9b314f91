"""Is this risk score useful here, and is a local validation study worth doing?

A worked example of value of information for a clinical prediction model (Sadatsafavi et al.
2023): a published cardiovascular risk score is checked on a local validation sample with a
decision curve, and the validation EVPI and EVSI say whether the remaining uncertainty about
its net benefit is worth a larger study. Run ``python examples/11_prediction_model_voi.py
--fast`` for a quick version.
"""

# %% [markdown]
# ## The clinical question
#
# A hospital wants to offer statins to adults whose 10-year cardiovascular risk is at least
# 10% (the threshold NICE uses for QRISK), using a risk score published by another group.
# Before adopting it the team validated it on 500 of its own patients. The score slightly
# over-predicts (mean predicted risk 17% against 16% observed), so is it still better than
# treating everyone or no one at 10%, and is the evidence from 500 patients enough, or should
# the hospital fund a larger validation study before deciding?
#
# ## The evidence
#
# `dk.datasets.load_cvd_cohort()`: a simulated cohort of 2,000 adults with their 10-year
# cardiovascular events; the first 500 are the local validation sample. The published score is
# a logistic model with its own (slightly different) coefficients.

# %%
from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save

import decisionkit as dk

args = parse_args(__file__, "Value of information for a clinical risk prediction model.")
N_DRAWS = 500 if args.fast else 4000
THRESHOLD = 0.10
SIZES = [250, 500, 1000, 2000, 4000]
PER = 10_000  # values are shown as true positives per 10,000 patients

cohort = dk.datasets.load_cvd_cohort()
validation = cohort.iloc[:500]
linear_predictor = (
    -2.2
    + 0.06 * (validation.age - 60)
    + 0.4 * validation.male
    + 0.015 * (validation.sbp - 130)
    + 0.2 * (validation.cholesterol - 5.5)
    + 0.6 * validation.diabetes
    + 0.6 * validation.smoker
)
risk = 1 / (1 + np.exp(-linear_predictor.to_numpy()))
y = validation.event.to_numpy()
print(f"validation sample: {y.size} patients, {y.sum()} events ({y.mean():.1%})")
print(f"mean predicted risk {risk.mean():.1%}")

# %% [markdown]
# ## Decision curve and value of information
#
# At each threshold `z` the score competes with treating everyone and treating no one; net
# benefit counts true positives per patient minus false positives weighted by `z / (1 - z)`.
# `dk.threshold.decision_curve` gives the curve with bootstrap bands; `dk.voi.prediction_voi`
# draws the population's net benefits by the Bayesian bootstrap and reports, per threshold,
# the probability that the score is the best strategy, the validation EVPI (what knowing the
# true net benefits would gain) and the EVSI of a new validation study of each size.

# %%
thresholds = np.round(np.arange(0.03, 0.41, 0.01), 2)
curve = dk.threshold.decision_curve(
    y, {"Risk score": risk}, thresholds=thresholds, n_bootstrap=200, random_seed=1
)
voi = dk.voi.prediction_voi(
    y, risk, thresholds=thresholds, sample_sizes=SIZES, n_draws=N_DRAWS, random_seed=2
)
columns = ["threshold", "nb_treat_all", "nb_model", "prob_model_best", "evpi", "evpi_se"]
print(voi.table[columns].round(4).to_string(index=False))
print(voi.conclusion(per=PER))

ax = dk.plot.prediction_voi(voi, curve=curve, per=PER)
ax.axvline(THRESHOLD, color="0.5", linewidth=0.8)
save(ax.figure, args, "11_decision_curve_voi.png")

# %% [markdown]
# ## At the statin threshold, and where the evidence is thin
#
# The EVSI against study size at 10% and at the threshold where the EVPI is largest; the
# population value scales the per-patient value by the 20,000 adults assessed each year over
# five years (discounted at 3.5%).

# %%
at = voi.table.set_index("threshold").loc[THRESHOLD]
worst = float(voi.table.loc[voi.table["evpi"].idxmax(), "threshold"])
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=False)
for panel, z in zip(axes, [THRESHOLD, worst], strict=True):
    ev = voi.evsi[np.isclose(voi.evsi["threshold"], z)]
    panel.errorbar(ev["n"], ev["evsi"] * PER, yerr=2 * ev["evsi_se"] * PER, marker="o", capsize=3)
    panel.axhline(ev["evpi"].iloc[0] * PER, color="C3", linestyle="--", label="EVPI")
    panel.set_xscale("log")
    panel.set_xticks(SIZES, [f"{n:,}" for n in SIZES])
    panel.minorticks_off()
    panel.set_ylim(bottom=0)  # EVSI is never negative; bars are +- 2 Monte-Carlo SE
    panel.set_xlabel("Patients in a new validation study")
    panel.set_title(f"Threshold {z:.0%}")
    panel.legend(frameon=False)
axes[0].set_ylabel(f"EVSI (true positives per {PER:,} patients)")
save(fig, args, "11_evsi_by_sample_size.png")

population = dk.voi.population_evpi(float(at["evpi"]), population_per_year=20_000, horizon_years=5)
population_worst = dk.voi.population_evpi(voi.max_evpi, population_per_year=20_000, horizon_years=5)
print(
    f"at {THRESHOLD:.0%}: P(score best) = {at['prob_model_best']:.3f}, EVPI = "
    f"{at['evpi'] * PER:.2f} per {PER:,} patients, {population:.1f} true positives over the "
    "population"
)
print(
    f"at {worst:.0%}: EVPI = {voi.max_evpi * PER:.1f} per {PER:,} patients, "
    f"{population_worst:.0f} true positives over the population"
)
evsi_1000 = voi.evsi[np.isclose(voi.evsi["threshold"], worst) & (voi.evsi["n"] == 1000)]

# %% [markdown]
# ## Recommendation
#
# At 10% the score beats both defaults in almost every bootstrap draw and the validation
# EVPI is a fraction of a true positive per 10,000 patients: the 500-patient validation is
# enough for this decision, and a larger study could not change it. The remaining uncertainty
# sits at thresholds of 25-40%, where the score's advantage over treating no one is small; a
# service using such a threshold (e.g. for a costlier treatment) would gain most of the EVPI
# from a validation study of about 1,000 patients.

# %%
print(
    f"KEY: threshold={THRESHOLD} prob_model_best={at['prob_model_best']:.4f} "
    f"evpi_per_10000={at['evpi'] * PER:.4f} evpi_se_per_10000={at['evpi_se'] * PER:.4f} "
    f"worst_threshold={worst:.2f} max_evpi_per_10000={voi.max_evpi * PER:.3f} "
    f"evsi_1000_per_10000={float(evsi_1000['evsi'].iloc[0]) * PER:.3f} "
    f"nb_model={at['nb_model']:.4f} nb_treat_all={at['nb_treat_all']:.4f}"
)
print(
    f"RECOMMENDATION: adopt the risk score at the {THRESHOLD:.0%} statin threshold without a "
    f"further validation study (P(best) {at['prob_model_best']:.3f}, validation EVPI "
    f"{at['evpi'] * PER:.2f} true positives per {PER:,} patients); revisit only if the "
    f"threshold moves to 25-40%, where a 1,000-patient study would be worth "
    f"{float(evsi_1000['evsi'].iloc[0]) * PER:.1f} of {voi.max_evpi * PER:.1f}."
)
