"""Treat or not: Bayesian risk model -> per-patient statin advice -> decision curve.

A worked example of a clinical threshold decision under uncertainty, from a Bayesian
logistic risk model to per-patient recommendations, a decision curve with posterior bands and
the expected value of perfect information. Run ``python examples/01_treat_or_not.py --fast``
for a quick version (seconds) or without ``--fast`` for the full one (under a minute).
"""

# %% [markdown]
# ## The clinical question
#
# A primary-care practice wants to decide, patient by patient, whether to offer a statin
# to adults without known cardiovascular disease. A statin lowers the chance of a heart
# attack or stroke over the next ten years, but it costs money, and daily medication has
# side effects (muscle aches, a small rise in diabetes risk) and a burden of its own. For a
# patient at very low risk there is little to prevent, so the harms win; for a patient at
# high risk the benefit wins. Somewhere in between is a *threshold risk* at which the two
# balance. The question is: **which patients should be offered a statin, and how sure are
# we about each of them?**
#
# ## The evidence
#
# `dk.datasets.load_cvd_cohort()` is a cohort of 2,000 adults followed for ten years: age,
# sex, systolic blood pressure, cholesterol, diabetes, smoking and whether they had a
# cardiovascular event. The data are simulated from a documented logistic model, so we know
# the "true" risks, which lets us check the model. We fit the risk model on 70% of the
# patients and keep 30% (600 patients) aside as the practice's "new" patients to advise.

# %%
from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save

import decisionkit as dk
from decisionkit.models import BayesianLogisticRisk, treatment_outcomes


def risk_percent_axis(ax) -> None:
    """Log-scale risk axis (in %) with plain tick labels 1, 2, 5, 10, 20, 50."""
    ax.set_xscale("log")
    ax.set_xticks([1, 2, 5, 10, 20, 50, 100])
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def add_band_to_legend(ax, label: str) -> None:
    """Add the shaded uncertainty band to the legend the plot function drew."""
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(color="tab:blue", alpha=0.2))
    labels.append(label)
    ax.legend(handles, labels, frameon=False)


args = parse_args(__file__, "Treat or not: statin advice from a Bayesian risk model.")
SEED = 2025

cohort = dk.datasets.load_cvd_cohort()
predictors = ["age", "male", "sbp", "cholesterol", "diabetes", "smoker"]
train, test = train_test_split(cohort, test_size=0.3, stratify=cohort["event"], random_state=SEED)
print(f"training patients: {len(train)} ({train['event'].sum()} events)")
print(f"patients to advise: {len(test)} ({test['event'].sum()} events observed later)")

# %% [markdown]
# ## The model
#
# A Bayesian logistic regression of the ten-year event on the six risk factors, with
# weakly informative priors (Gelman et al. 2008). Its posterior is not one risk per patient
# but a *distribution* of plausible risks: 2 chains x 1,000 draws in the full run. The
# coefficients can be compared with the values the data were simulated from (log-odds ratios:
# age 0.065 per year, male 0.45, sbp 0.018 per mmHg, cholesterol 0.25 per mmol/L, diabetes
# 0.65, smoker 0.70). With 188 events in the training set most are recovered within about two
# posterior standard deviations; cholesterol's modest effect is the hardest to pin down
# (posterior mean about 0.07, sd 0.08), which is exactly the kind of uncertainty the
# decision below has to carry.

# %%
draws, tune = (300, 500) if args.fast else (1000, 1000)
model = BayesianLogisticRisk(
    draws=draws, tune=tune, chains=2, cores=1, random_seed=SEED, progressbar=args.show_progress
)
model.fit(train[predictors], train["event"])
print(model.summary()[["mean", "sd"]].round(3).to_string())

risk = model.predict_risk(test[predictors])  # DataArray (draw, unit): 600 patients
mean_risk = risk.mean("draw").to_numpy()
print(f"posterior mean 10-year risk of the new patients: median {np.median(mean_risk):.1%}")

# %% [markdown]
# ## The decision: benefit and harm of a statin
#
# Assumptions (illustrative, of the order used in NICE's lipid guideline CG181):
#
# - a statin prevents 25% of cardiovascular events (relative risk 0.75, e.g. the
#   Cholesterol Treatment Trialists' meta-analyses), uncertain: log RR ~ Normal(log 0.75, 0.05);
# - an event costs 1 QALY (quality-adjusted life year) and GBP 8,000 of care;
# - ten years of a statin cost GBP 300 (generic drug plus monitoring) and 0.02 QALY of
#   side effects and daily-pill burden;
# - the health service values a QALY at GBP 20,000.
#
# In money (net monetary benefit), treating a patient who would have had an event gains
# 0.25 x (20,000 x 1 + 8,000) = GBP 7,000 of prevented harm minus the GBP 700 cost of
# treatment (300 + 20,000 x 0.02): **benefit B = GBP 6,300**. Treating a patient who would not
# have had one only costs the **harm H = GBP 700**. Treating has a positive expected value
# when the risk exceeds H / (B + H) = **10%**, the threshold of NICE's guideline.

# %%
WTP, RR, QALY_EVENT, COST_EVENT = 20_000.0, 0.75, 1.0, 8_000.0
COST_STATIN, QALY_STATIN = 300.0, 0.02
harm = COST_STATIN + WTP * QALY_STATIN
benefit = (1 - RR) * (WTP * QALY_EVENT + COST_EVENT) - harm
threshold = dk.threshold.optimal_threshold(benefit, harm)
print(f"benefit B = GBP {benefit:,.0f}, harm H = GBP {harm:,.0f}, threshold = {threshold:.1%}")

rec = dk.threshold.recommend_treatment(
    risk, benefit=benefit, harm=harm, unit_labels=test.index.to_numpy()
)
print(rec.summary())
table = rec.to_frame()
treated_per_100 = 100 * rec.n_treat / len(test)
# Patients whose recommendation is uncertain: the posterior gives a 20-80% chance that
# treating is the better choice. These are the ones to discuss in the consultation.
unsure = table["prob_treat_better"].between(0.2, 0.8)
print(f"treat {treated_per_100:.0f} per 100; unsure for {100 * unsure.mean():.0f} per 100")

# %% [markdown]
# Each patient's posterior says how sure the advice is. The figure plots each patient's
# posterior mean risk against the probability that treating is better than not: far from the
# threshold the model is certain; close to it, a patient's own preferences should decide.

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
colours = np.where(table["recommended"] == "Treat", "tab:red", "tab:blue")
ax.scatter(100 * table["risk"], table["prob_treat_better"], s=12, c=colours, alpha=0.7)
ax.axvline(100 * threshold, color="black", ls="--", lw=1)
ax.text(100 * threshold + 0.5, 0.05, f"threshold {threshold:.0%}", fontsize=9)
ax.set_xlabel("Posterior mean 10-year event risk (%, log scale)")
ax.set_ylabel("P(statin is the better choice)")
ax.set_title(f"Statin advice for {len(test)} patients (red: offer, blue: do not offer)")
risk_percent_axis(ax)
ax.grid(alpha=0.3)
save(fig, args, "01_per_patient_advice.png")

# %% [markdown]
# ## Is the model worth using? A decision curve
#
# Net benefit (Vickers and Elkin 2006) counts true positives per patient minus false
# positives weighted by the threshold odds. We compare offering statins by the model with
# "treat all" and "treat none" on the held-out patients, across thresholds a clinician might
# hold. The bands are 95% posterior intervals from the risk draws.

# %%
thresholds = np.round(np.arange(0.01, 0.51, 0.01), 2)
dc = dk.threshold.decision_curve(
    test["event"].to_numpy(), {"Bayesian risk model": risk}, thresholds=thresholds
)
print(dc.summary())
low, high = dc.useful_range("Bayesian risk model")
at_t = dc.at(round(threshold, 2)).set_index("model")
nb_model = at_t.loc["Bayesian risk model", "net_benefit"]
nb_all = at_t.loc["Treat all", "net_benefit"]
nia = at_t.loc["Bayesian risk model", "net_interventions_avoided"]

fig, ax = plt.subplots(figsize=(7, 4.5))
dk.plot.decision_curve(dc, ax=ax)
ax.axvline(threshold, color="grey", ls=":", lw=1)
ax.text(threshold + 0.005, 0.11, "10% threshold\n(NICE CG181)", fontsize=9, color="grey")
ax.set_xlabel("Threshold probability (10-year risk at which a statin is offered)")
ax.set_ylabel("Net benefit (events caught per patient)")
add_band_to_legend(ax, "95% posterior interval")
ax.set_title(f"Statins by risk model vs treat all / none ({len(test)} held-out patients)")
save(fig, args, "01_decision_curve.png")

fig, ax = plt.subplots(figsize=(7, 4.5))
dk.plot.decision_curve(dc, kind="interventions_avoided", ax=ax)
ax.set_xlabel("Threshold probability (10-year risk at which a statin is offered)")
add_band_to_legend(ax, "95% posterior interval")
ax.set_title("Statin prescriptions avoided by using the model, vs treating all")
save(fig, args, "01_interventions_avoided.png")

# %% [markdown]
# ## What would more evidence be worth?
#
# The posterior leaves two uncertainties: each patient's true risk, and how well the statin
# works. `treatment_outcomes` turns the risk draws and draws of the relative risk into
# costs and QALYs of "No treatment" and "Treat" per patient; `dk.decide` picks the action
# with the higher expected net monetary benefit and reports the expected value of perfect
# information (EVPI): how much better, on average, the decision would be if we knew each
# patient's true risk and the true statin effect. It is the most any further study (a bigger
# cohort, a better risk score) could be worth for these patients.

# %%
rng = np.random.default_rng(SEED)
rr_draws = np.exp(rng.normal(np.log(RR), 0.05, size=risk.sizes["draw"]))
outcomes = treatment_outcomes(
    risk,
    effect=rr_draws,
    cost_treat=COST_STATIN,
    cost_event=COST_EVENT,
    qaly_event=QALY_EVENT,
    harm_qaly=QALY_STATIN,
)
decision = dk.decide(outcomes, dk.utility.net_monetary_benefit(wtp=WTP), prob=None)
# decide() returns per-patient Series sorted by unit label: align them with the test patients.
evpi = decision.evpi.reindex(test.index)  # GBP per patient
agree = (decision.best.reindex(test.index) == rec.recommended.reindex(test.index)).mean()
print(f"dk.decide agrees with recommend_treatment for {agree:.0%} of patients")
print(
    f"EVPI per patient: mean GBP {evpi.mean():.2f}, largest GBP {evpi.max():.0f}; "
    f"for the {len(test)} patients GBP {evpi.sum():,.0f}"
)

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.scatter(100 * mean_risk, evpi.to_numpy(), s=12, color="tab:purple", alpha=0.7)
ax.axvline(100 * threshold, color="black", ls="--", lw=1)
risk_percent_axis(ax)
ax.set_xlabel("Posterior mean 10-year event risk (%, log scale)")
ax.set_ylabel("EVPI per patient (GBP)")
ax.set_title("Value of perfect information is concentrated near the 10% threshold")
ax.grid(alpha=0.3)
save(fig, args, "01_evpi_per_patient.png")

# %% [markdown]
# ## What the recommendation changes
#
# Offering a statin only to patients at or above the 10% threshold treats about half of them
# (about 52 per 100; the true risks of the simulated cohort put 52 per 100 above 10%). At the
# 10% threshold the model has a higher net benefit than treating everyone and than treating
# no one: it avoids about 15 net prescriptions per 100 patients compared with "treat all" at
# no net loss of health (the prescriptions it withholds go to patients whose expected benefit
# is smaller than the harm). The model is useful across the whole range of thresholds a
# clinician might reasonably hold (1% to 50%).
#
# What would more evidence be worth? The EVPI is about GBP 10-15 per patient, less than a
# tenth of the GBP 700 harm of one course of treatment, and it is concentrated in the
# patients near the threshold. A better risk model or a bigger cohort could improve the
# decision only for them, and by little, so the practice can act on this model now; for
# the patients flagged as "unsure" the conversation about preferences (how the patient
# weighs a daily pill against a heart attack) matters more than more data.

# %%
prevented_model = 100 * (1 - RR) * mean_risk[table["recommended"] == "Treat"].sum() / len(test)
prevented_all = 100 * (1 - RR) * mean_risk.sum() / len(test)
print(
    f"expected events prevented per 100 patients: {prevented_model:.2f} by the model, "
    f"{prevented_all:.2f} by treating all"
)
print(
    f"RECOMMENDATION: offer a statin when the 10-year risk is at least {threshold:.0%}: "
    f"treat {treated_per_100:.0f} per 100 patients"
)
print(
    f"KEY: threshold={threshold:.3f} treated_per_100={treated_per_100:.1f} "
    f"unsure_per_100={100 * unsure.mean():.1f} nb_model={nb_model:.4f} nb_treat_all={nb_all:.4f} "
    f"interventions_avoided_per_100={nia:.1f} useful_low={low:.2f} useful_high={high:.2f} "
    f"evpi_per_patient_gbp={evpi.mean():.2f}"
)
