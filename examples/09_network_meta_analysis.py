"""Which smoking-cessation support should we fund? Network meta-analysis into a decision.

From a table of trial counts to a recommendation in one pipeline: a Bayesian network
meta-analysis (NICE DSU TSD 2) of 24 trials of four kinds of support, a baseline model of
quitting without support, absolute quit rates as *correlated* PSA inputs, a Markov cohort
model, the CEAC and the value of more evidence on the relative effects.
Run it with ``python examples/09_network_meta_analysis.py`` (add ``--fast`` for a quick run).
"""

# %% [markdown]
# ## The evidence
#
# 24 randomised trials compared no contact, self-help, individual counselling and group
# counselling for smoking cessation (Hasselblad 1998; the network of NICE DSU TSD 2 and TSD 4,
# Dias et al. 2011). The outcome is the number of participants who quit. No trial compared
# all four, so the relative effects come from a network meta-analysis.
#
# ## The decision
#
# A stop-smoking service (threshold £20,000 per QALY) chooses one kind of support for the
# smokers it sees. The costs, utilities and transition rates of the cohort model below are
# round illustrative values, not a costing study; the trial counts are the published ones.

# %%
from __future__ import annotations

import warnings

import numpy as np
from _common import parse_args, save

import decisionkit as dk
from decisionkit.models.evidence import NetworkMetaAnalysis, load_smoking_cessation

SEED = 1998
WTP = 20_000  # GBP per QALY
SUPPORT_COST = {  # GBP per smoker supported (illustrative)
    "No contact": 0.0,
    "Self-help": 30.0,
    "Individual counselling": 250.0,
    "Group counselling": 150.0,
}

args = parse_args(__file__, "Network meta-analysis of smoking cessation into a decision")
# quitters ("events") out of participants ("total") per arm: Hasselblad V. Meta-analysis of
# multitreatment studies. Med Decis Making 1998;18:37-43, as tabulated in NICE DSU TSD 2
trials = load_smoking_cessation()
print(trials.pivot(index="study", columns="treatment", values="events").head())
config = {"draws": 250, "tune": 400, "chains": 2} if args.fast else {"draws": 1000}
config["progressbar"] = args.show_progress

# %% [markdown]
# ## Network meta-analysis (random effects, TSD 2 priors)
#
# Binomial likelihood, logit link: the relative effects are log odds ratios of quitting
# against no contact. Study baselines and effects have N(0, 100^2) priors, the
# between-study sd a U(0, 5) prior; multi-arm trials get the TSD 2 correlation.

# %%
with warnings.catch_warnings():
    if args.fast:  # 2 x 250 draws are too few for the ESS >= 400 check; the full run passes
        warnings.simplefilter("ignore", dk.exceptions.ConvergenceWarning)
    nma = NetworkMetaAnalysis(
        effects="random", reference="No contact", random_seed=SEED, sampler_config=config
    ).fit(trials, events="events", total="total")
print(nma)
print(nma.league_table())
sucra = nma.sucra(lower_is_better=False)
print("SUCRA (quitting is good):", sucra.round(2).to_dict())

fig = dk.plot.network_plot(nma).figure
save(fig, args, "network.png")
fig = dk.plot.forest_plot(nma, exponentiate=True, xlabel="odds ratio of quitting").figure
save(fig, args, "forest.png")
fig = dk.plot.rank_plot(nma, lower_is_better=False).figure
save(fig, args, "ranks.png")

# %% [markdown]
# ## Baseline and absolute effects
#
# The quit rate without support comes from a random-effects model of the no-contact arms
# (TSD 5); its predictive distribution for a new population is combined with the NMA's
# draws, one joint posterior draw per PSA row, so the correlations between the relative
# effects are kept.

# %%
with warnings.catch_warnings():
    if args.fast:
        warnings.simplefilter("ignore", dk.exceptions.ConvergenceWarning)
    baseline = dk.models.HierarchicalRates(
        prior_mu_sd=2.0,
        random_seed=SEED,
        progressbar=False,
        **({"draws": 500, "tune": 500} if args.fast else {"draws": 2000, "tune": 1000}),
    ).fit(nma.reference_arms())
inputs = nma.psa_inputs(baseline, heterogeneity=True, random_seed=SEED)
print(inputs.describe().T[["mean", "std"]].round(3))

# %% [markdown]
# ## Cohort model
#
# States: smoker, ex-smoker, dead; yearly cycles for 30 years. The support acts in the
# first cycle (quit with probability ``p[support]``); afterwards 2% of smokers quit and 5%
# of ex-smokers relapse each year. Smokers die at 2% a year, ex-smokers at 1.2%.
# Utilities 0.80 and 0.86; health-care costs £600 and £350 a year.

# %%
strategies = list(SUPPORT_COST)


def transition(p, cycle, strategy):
    n = p[f"p[{strategy}]"].size
    quit_now = p[f"p[{strategy}]"] if cycle == 0 else np.full(n, 0.02)
    m = np.zeros((n, 3, 3))
    m[:, 0, 2], m[:, 1, 2], m[:, 2, 2] = 0.02, 0.012, 1.0
    m[:, 0, 1] = quit_now * 0.98
    m[:, 0, 0] = 1 - m[:, 0, 1] - m[:, 0, 2]
    m[:, 1, 0] = 0.05
    m[:, 1, 1] = 1 - 0.05 - 0.012
    return m


model = dk.models.MarkovModel(
    ["Smoker", "Ex-smoker", "Dead"],
    strategies=strategies,
    transition=transition,
    state_costs=[600.0, 350.0, 0.0],
    state_utilities=[0.80, 0.86, 0.0],
    n_cycles=30,
    dead="Dead",
)
run = model.run(inputs)
support = np.array([SUPPORT_COST[s] for s in run.strategies])
out = dk.OutcomeDistribution.from_arrays(
    {"cost": run.values["cost"].values + support, "qaly": run.values["qaly"].values},
    actions=run.strategies,
    inputs=run.inputs,
)

# %% [markdown]
# ## Decision and value of information

# %%
u = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=WTP)
decision = dk.decide(out, u)
print(decision.table)
ce = dk.cea.analyze(out, cost="cost", effect="qaly", wtp=np.arange(0, 40_001, 500))
print(ce.icers())
save(dk.plot.ceac(ce, currency="£").figure, args, "ceac.png")
evpi = float(dk.voi.evpi(out, u))
d_cols = [c for c in inputs.columns if c.startswith("d[")]
evppi_d = dk.voi.evppi(out, u, parameters=d_cols, random_seed=SEED).evppi
evppi_gc = dk.voi.evppi(
    out, u, parameters=["d[Group counselling]", "d[Individual counselling]"], random_seed=SEED
).evppi
print(
    f"EVPI per smoker: £{evpi:.2f}; EVPPI of all relative effects: £{evppi_d:.2f}; "
    f"of group vs individual counselling: £{evppi_gc:.2f}"
)

# %% [markdown]
# ## The value of a new head-to-head trial
#
# Group and individual counselling were compared directly in only four small trials. What is
# a new two-arm trial of them worth, by its size? ``NetworkTrial`` simulates the trial from
# every joint posterior draw: its own effect varies around the network's mean effect by the
# between-study sd (random effects, the ``sd`` column), and quitting on individual
# counselling in the trial's population is about 15% (an assumption). EVSI by the regression
# method (Strong et al. 2015) on the simulated quitters per arm; the ceiling is the EVPPI of
# the two counselling effects. For contrast, the same trial if it measured the mean effect
# itself (no between-study variation, ``heterogeneity=None``).

# %%
trial = dk.voi.NetworkTrial(
    nma, "Individual counselling", "Group counselling", baseline=0.15, heterogeneity="sd"
)
sizes = [50, 200, 1000] if args.fast else [50, 100, 200, 500, 1000, 2000]
evsi = dk.voi.evsi(out, u, study=trial, n=sizes, random_seed=SEED)
print(evsi)
evsi_big = float(evsi.table["evsi"].iloc[-1])
common = dk.voi.NetworkTrial(nma, "Individual counselling", "Group counselling", baseline=0.15)
evsi_common = float(dk.voi.evsi(out, u, study=common, n=sizes[-1], random_seed=SEED).evsi)
print(
    f"A head-to-head trial of {sizes[-1]} smokers per arm is worth £{evsi_big:.2f} per smoker "
    f"(£{evsi_common:.2f} if it measured the mean effect itself; EVPPI of both counselling "
    f"effects £{evppi_gc:.2f})"
)

# %% [markdown]
# With a between-study sd of about 0.8 on the log-odds scale, one more trial reveals its own
# effect, not the network's mean effect the decision rests on: its value is a small share of
# what the same trial would be worth without heterogeneity. Evidence that explains the
# heterogeneity (why counselling works better in some trials) would be worth more than
# another head-to-head trial.

best = decision.best
p_best = float(decision.table.set_index("action").loc[best, "prob_best"])
d_gc = nma.relative_effects(reference="Individual counselling").set_index("treatment")
print(
    f"KEY: best={best.replace(' ', '_')} p_best={p_best:.3f} evpi={evpi:.2f} "
    f"evppi_relative_effects={evppi_d:.2f} sd_between_studies="
    f"{nma.heterogeneity()['mean'].iloc[0]:.3f} "
    f"lor_group_vs_individual={d_gc.loc['Group counselling', 'mean']:.3f} "
    f"evsi_trial={evsi_big:.2f} evsi_trial_common_effect={evsi_common:.2f} "
    f"evppi_counselling={evppi_gc:.2f}"
)
print(
    f"RECOMMENDATION: fund {best} (probability {p_best:.0%} of being the most cost-effective "
    f"at £{WTP:,}/QALY); the relative effects are worth up to £{evppi_d:.2f} per smoker to "
    f"learn more about, and a head-to-head counselling trial of {sizes[-1]} per arm "
    f"£{evsi_big:.2f} per smoker"
)
