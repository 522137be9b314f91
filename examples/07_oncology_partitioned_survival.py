"""Should the NHS fund a new cancer drug? Survival extrapolation and a partitioned survival model.

An oncology appraisal in the style of a NICE submission: fit parametric survival models to
trial data, compare them, extrapolate beyond the trial, build a partitioned survival model
(progression-free, progressed, dead) whose PSA carries the survival parameters, then the
CEAC and the value of information about the survival extrapolation versus the other inputs.
Run it with ``python examples/07_oncology_partitioned_survival.py`` (``--fast``: few draws).
"""

# %% [markdown]
# ## The question and the data
#
# A new drug for advanced cancer was compared with standard care in a randomised trial of
# 500 patients followed for up to three years (`dk.datasets.load_oncology_trial`, simulated
# by decisionkit: the true curves are known, and are not any standard parametric family).
# The drug costs 1,750 GBP a month, given while progression-free for at most a year;
# standard care is six months of chemotherapy at 1,000 GBP a month. For a severe, short
# life expectancy condition NICE's severity modifier raises the threshold to about
# **50,000 GBP per QALY**. Most of the drug's value lies beyond the trial, so the answer
# depends on how the survival curves are extrapolated (NICE DSU TSD 14).

# %%
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from _common import parse_args, save

import decisionkit as dk
from decisionkit import formatting as fmt
from decisionkit.exceptions import EstimationWarning
from decisionkit.models.cohort.psa import Beta, Gamma
from decisionkit.models.survival import (
    PartitionedSurvivalModel,
    average_models,
    fit_distributions,
    kaplan_meier,
)

WTP = 50_000  # GBP per QALY (NICE threshold with the 1.7 severity modifier)
SEED = 13
HORIZON = 30  # years (patients are about 60; nearly all have died by 90)
ARMS = ["Standard care", "New drug"]
ENDPOINTS = {"PFS": ("pfs_months", "pfs_event"), "OS": ("os_months", "os_event")}

args = parse_args(__file__, "Oncology: survival extrapolation and partitioned survival")
n_draws = 600 if args.fast else 4_000

trial = dk.datasets.load_oncology_trial()
km = {
    ep: kaplan_meier(trial, time=time, event=event, by="arm")
    for ep, (time, event) in ENDPOINTS.items()
}
for ep, est in km.items():
    print(f"{ep} (months)\n{est.summary.round(2).to_string()}")

# %% [markdown]
# ## Fit and compare six parametric models per endpoint
#
# Each endpoint is fitted with arm as a covariate by maximum likelihood (exponential,
# Weibull, Gompertz, log-logistic, log-normal, generalised gamma). AIC ranks the fits
# *within* the trial; it says nothing about the tail, so the extrapolated mean survival is
# shown beside it: the models that fit the trial almost equally well can disagree about
# the years after it.

# %%
fits = {
    ep: fit_distributions(trial, time=time, event=event, covariates=["arm"])
    for ep, (time, event) in ENDPOINTS.items()
}
rows = []
for ep, models in fits.items():
    for name, fit in models.items():
        rmst = fit.rmst(HORIZON * 12, covariates={"arm": "Standard care"}, n_draws=200)
        rows.append(
            {
                "endpoint": ep,
                "distribution": name,
                "aic": fit.aic_,
                "mean_months_soc": float(rmst["estimate"]),
            }
        )
comparison = pd.DataFrame(rows)
comparison["delta_aic"] = comparison["aic"] - comparison.groupby("endpoint")["aic"].transform("min")
print(comparison.round(1).sort_values(["endpoint", "aic"]).to_string(index=False))
best = {
    ep: str(g.loc[g["aic"].idxmin(), "distribution"]) for ep, g in comparison.groupby("endpoint")
}
print("lowest AIC:", best)

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
labelled = {
    f"{name} (AIC {fit.aic_:,.1f})": fit for name, fit in fits["OS"].items()
}  # legend shows the AIC
for ax, arm in zip(axes, ARMS, strict=True):
    dk.plot.survival_fits(
        labelled,
        km=km["OS"],
        group=arm,
        covariates={"arm": arm},
        ci=None,
        times=np.linspace(0, 120, 241),
        ax=ax,
    )
    ax.set_title(f"Overall survival, {arm}: fits and extrapolation")
    ax.set_xlabel("Months (trial follow-up ends at 36)")
axes[1].legend(frameon=False, fontsize="small")
save(fig, args, "os_extrapolations.png")

# %% [markdown]
# ## The partitioned survival model
#
# Progression-free = the area under PFS, progressed = OS minus PFS, dead = 1 - OS, each arm
# from the fitted models with its own covariate value, in monthly cycles over 30 years
# (half-cycle correction), discounted at 3.5% a year. Costs: the drugs (a time-since-entry
# cost in the first state: exact in a partitioned model), monitoring 800 GBP a month while
# progression-free, 1,500 a month after progression, 4,000 once at progression
# (second-line start) and 7,000 at death (end-of-life care). Utilities 0.75 and 0.60.
# Every cost and utility is uncertain (gamma and beta), and so are the survival
# parameters: each PSA draw takes one draw from every fit's asymptotic normal, so the
# outcomes carry the survival uncertainty to the decision and to EVPPI.

# %%
psa = dk.models.PSA(
    {
        "c_pf": Gamma(mean=800 * 12, sd=150 * 12),
        "c_prog": Gamma(mean=1_500 * 12, sd=300 * 12),
        "c_progression": Gamma(mean=4_000, sd=1_000),
        "c_death": Gamma(mean=7_000, sd=1_500),
        "u_pf": Beta(mean=0.75, sd=0.03),
        "u_prog": Beta(mean=0.60, sd=0.05),
    }
)
params = psa.sample(n_draws, random_seed=SEED)
model = PartitionedSurvivalModel(
    ["PFS", "OS"],
    strategies=ARMS,
    horizon=HORIZON,
    cycle_length=1 / 12,
    state_costs={"Progression-free": "c_pf", "Progressed": "c_prog"},
    state_utilities={"Progression-free": "u_pf", "Progressed": "u_prog"},
    entry_costs={"Progressed": "c_progression", "Dead": "c_death"},
    time_costs={
        "Progression-free": {"Standard care": (1_000 * 12, 0.5), "New drug": (1_750 * 12, 1.0)}
    },
)


def survival_sources(pfs_name: str, os_name: str) -> dict:
    """Each arm: the chosen PFS and OS fits at that arm's covariate value."""
    return {
        arm: {
            "PFS": (fits["PFS"][pfs_name], {"arm": arm}),
            "OS": (fits["OS"][os_name], {"arm": arm}),
        }
        for arm in ARMS
    }


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", EstimationWarning)
    result = model.run(
        survival_sources(best["PFS"], best["OS"]), params=params, random_seed=SEED, time_scale=12
    )
for w in caught:
    print("warning:", w.message)
n_crossed = int(result.crossings["n_draws"].sum())
result.print_summary()

ax = dk.plot.psm_occupancy(result, "New drug", max_time=10)
save(ax.figure, args, "occupancy_new_drug.png")
ax = dk.plot.psm_curves(result, max_time=10)
save(ax.figure, args, "psm_curves.png")

# %% [markdown]
# ## Cost-effectiveness and the CEAC

# %%
outcomes = result.outcomes
cea = dk.cea.analyze(outcomes, cost="cost", effect="qaly", wtp=np.arange(0, 100_001, 1_000))
icers = cea.icers().set_index("strategy")
icer = float(icers.loc["New drug", "icer"])
print(icers.round(1).to_string())
ax = dk.plot.ceac(cea, currency="GBP ")
ax.axvline(WTP, color="black", ls="--", lw=1)
ax.set_title("Probability that each arm is cost-effective")
save(ax.figure, args, "ceac.png")
utility = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=WTP)
decision = dk.decide(outcomes, utility)
p_new = float(decision.table.set_index("action").loc["New drug", "prob_best"])

# %% [markdown]
# ## Structural uncertainty: the ICER under each OS extrapolation
#
# The PSA draws the *parameters* of one model; the choice of model is a second, structural
# uncertainty. Re-running with each OS distribution shows how much the decision hangs on it;
# the AIC-weighted average (each PSA draw picks a model with its Akaike weight) carries both.

# %%
scenario_draws = 100 if args.fast else 500
scenario_rows = []
os_options = {**fits["OS"], "AIC-weighted average": average_models(fits["OS"], weights="aic")}
for name, os_model in os_options.items():
    sources = {
        arm: {"PFS": (fits["PFS"][best["PFS"]], {"arm": arm}), "OS": (os_model, {"arm": arm})}
        for arm in ARMS
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)  # counted in the table instead
        run = model.run(
            sources,
            params=params.iloc[:scenario_draws],
            random_seed=SEED,
            time_scale=12,
        )
    mean = run.summary
    d_cost = mean.loc["New drug", "cost"] - mean.loc["Standard care", "cost"]
    d_qaly = mean.loc["New drug", "qaly"] - mean.loc["Standard care", "qaly"]
    scenario_rows.append(
        {
            "OS model": name,
            "incremental QALYs": d_qaly,
            "incremental cost": d_cost,
            "ICER": d_cost / d_qaly,
            "crossed draws": int(run.crossings["n_draws"].sum()),
        }
    )
scenarios = pd.DataFrame(scenario_rows)
print(scenarios.round(2).to_string(index=False))
single = scenarios[scenarios["OS model"] != "AIC-weighted average"]
icer_range = (float(single["ICER"].min()), float(single["ICER"].max()))
icer_average = float(scenarios.set_index("OS model").loc["AIC-weighted average", "ICER"])

# %% [markdown]
# ## Which uncertainty is worth resolving? EVPPI of the survival parameters
#
# The groups are the parameters of the PFS fit, the parameters of the OS fit (its
# extrapolation), the costs and the utilities (Strong, Oakley & Brennan 2014 regression).
# A large OS value says that longer follow-up of the trial is the research worth buying.

# %%
groups = {
    "OS extrapolation": result.parameter_groups["OS"],
    "PFS": result.parameter_groups["PFS"],
    "costs": ["c_pf", "c_prog", "c_progression", "c_death"],
    "utilities": ["u_pf", "u_prog"],
}
evpi = float(dk.voi.evpi(outcomes, utility))
evppi = dk.voi.evppi(outcomes, utility, groups, method="gam", se=False, random_seed=SEED)
table = evppi.table.sort_values("evppi", ascending=False)
print(f"EVPI per patient: {fmt.money(evpi)}")
print(table[["parameters", "evppi"]].to_string(index=False))
top = str(table["parameters"].iloc[0])
ax = dk.plot.evppi_bars(evppi)
ax.set_xlabel("EVPPI per patient (GBP)")
ax.set_title(f"Value of resolving each uncertainty at {WTP:,} GBP/QALY")
save(ax.figure, args, "evppi.png")
values = evppi.evppi

# %% [markdown]
# ## Recommendation
#
# With the best-fitting (Weibull) models the new drug gains about 0.23 QALYs for about
# 12,700 GBP: an ICER of about 54,000 GBP/QALY, above the 50,000 threshold, and the
# probability that it is cost-effective there is about 0.26 (full run, 4,000 draws). But
# the ICER ranges from about 47,000 (exponential and log-normal tails, which keep more
# patients alive after the trial) to 57,000 (Gompertz) across the OS extrapolations, so
# the choice of extrapolation can flip the decision, and AIC within three years of
# follow-up cannot settle it. Averaging the six with AIC weights (Weibull, generalised
# gamma and log-logistic take nearly all the weight) gives about 53,000. The EVPPI says
# the same about the parameter uncertainty:
# the OS extrapolation is worth about 190 GBP per patient out of an EVPI of about 310,
# the costs about 12 and the utilities nothing. The research to buy is longer follow-up
# of overall survival, not a quality-of-life study. A price cut of about 250 GBP a month
# (to 1,500) brings the ICER below 50,000 under every OS model (41,000 to 49,000 in our
# check), which is what a managed access agreement would negotiate.

# %%
fund = decision.best == "New drug"
print(
    f"KEY: best_pfs={best['PFS']} best_os={best['OS']} icer={icer:.0f} p_new_best={p_new:.3f} "
    f"evpi={evpi:.0f} evppi_os={values['OS extrapolation']:.0f} "
    f"evppi_costs={values['costs']:.0f} evppi_utilities={values['utilities']:.0f} "
    f"top_evppi={top.replace(' ', '_')} crossed_draws={n_crossed} "
    f"icer_min={icer_range[0]:.0f} icer_max={icer_range[1]:.0f} icer_average={icer_average:.0f}"
)
print(
    f"RECOMMENDATION: {'fund' if fund else 'do not fund'} the new drug at {WTP:,} GBP/QALY "
    f"(ICER {icer:,.0f} GBP/QALY with {best['OS']} OS; {icer_range[0]:,.0f} to "
    f"{icer_range[1]:,.0f} across OS models; P(cost-effective) {p_new:.2f}); the OS "
    "extrapolation is the uncertainty most worth resolving"
)
