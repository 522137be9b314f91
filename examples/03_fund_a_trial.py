"""Should we fund a trial? Beta-binomial evidence on response rates, EVSI, ENBS and trial size.

A value-of-information case study: a pilot study leaves a payer unsure whether a new drug is
worth its price; how much would a definitive two-arm trial be worth, and how large should it
be? Run it with ``python examples/03_fund_a_trial.py`` (add ``--fast`` for a quick run).
"""

# %% [markdown]
# ## The clinical question
#
# A new drug for a chronic relapsing condition is licensed on the strength of a small
# randomised pilot: **26 of 60** patients responded at 12 weeks on the new drug against
# **18 of 60** on standard care. A response is worth about 0.3 QALYs over the following
# years and avoids about £5,000 of further treatment; the new drug costs £2,000 more per
# course. The payer (think NICE, threshold **£30,000 per QALY**) must decide now whether to
# recommend it for the 5,000 patients a year who would receive it, and whether to fund a
# definitive trial first.
#
# ## The evidence: conjugate Beta-binomial posteriors
#
# With a uniform Beta(1, 1) prior on each response rate and ``x`` responders out of ``n``,
# the posterior is Beta(1 + x, 1 + n - x) in closed form (no MCMC needed):
# p_standard ~ Beta(19, 43) (mean 0.31) and p_new ~ Beta(27, 35) (mean 0.44). The value of
# a response (QALYs gained, costs avoided) is uncertain too, with gamma distributions from
# the literature. (``decisionkit.models.bayes.conjugate.BetaBinomial`` gives the same posterior
# with a model-style API; this example uses ``Beta.from_counts`` from
# ``decisionkit.models.cohort.psa``, which takes the two Beta shape parameters directly.)
#
# ## The model
#
# Per patient treated, with response probability p:
#
#     QALYs = p * qaly_per_response
#     cost  = drug_cost - p * cost_avoided_per_response
#
# and the net monetary benefit is NMB = £30,000 x QALYs - cost. We sample the four uncertain
# inputs and compute both strategies' cost and QALYs for every draw.

# %%
from __future__ import annotations

import numpy as np
from _common import parse_args, save
from scipy import stats

import decisionkit as dk
from decisionkit import formatting as fmt
from decisionkit.models.cohort.psa import PSA, Beta, Gamma

SEED = 2026
WTP = 30_000  # GBP per QALY
PILOT = {"standard": (18, 60), "new": (26, 60)}  # responders, patients per arm
EXTRA_DRUG_COST = 2_000  # GBP per course of the new drug
POPULATION_PER_YEAR = 5_000  # patients a year who would receive the chosen treatment
HORIZON_YEARS = 10  # how long the decision is expected to stand
DISCOUNT = 0.035  # NICE discount rate for the population value
TRIAL_SETUP = 1_000_000  # GBP fixed cost of running the trial
COST_PER_PARTICIPANT = 4_000  # GBP per participant recruited
SAMPLE_SIZES = [10, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 600, 800, 1000, 1500]

args = parse_args(__file__, "Should we fund a trial? (EVSI and ENBS for a two-arm trial)")
n_draws = 2_000 if args.fast else 50_000


def posterior(responders: int, patients: int) -> Beta:
    """Beta(1 + x, 1 + n - x): the posterior of a response rate under a uniform prior."""
    return Beta.from_counts(1 + responders, 1 + patients - responders)


evidence = PSA(
    {
        "p_standard": posterior(*PILOT["standard"]),
        "p_new": posterior(*PILOT["new"]),
        "qaly_per_response": Gamma(mean=0.3, sd=0.05),
        "cost_avoided_per_response": Gamma(mean=5_000, sd=1_000),
    }
)
print(evidence)
params = evidence.sample(n_draws, random_seed=SEED)

p = np.column_stack([params["p_standard"], params["p_new"]])
qaly = p * params["qaly_per_response"].to_numpy()[:, None]
cost = (
    np.array([0.0, EXTRA_DRUG_COST]) - p * params["cost_avoided_per_response"].to_numpy()[:, None]
)
outcomes = dk.OutcomeDistribution.from_arrays(
    {"cost": cost, "qaly": qaly}, actions=["Standard care", "New drug"], inputs=params
)

# %% [markdown]
# ## Today's decision
#
# With current evidence the new drug's expected net benefit is slightly *below* standard
# care's (the expected response gain, about 13 percentage points, is not quite enough to pay
# for the drug at £30,000/QALY), but the probability that it is in fact better is just over 40%.
# Decide on expected net benefit: keep standard care for now.

# %%
utility = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=WTP)
decision = dk.decide(outcomes, utility)
print(decision.table.to_string(index=False))
table = decision.table.set_index("action")
inb = float(
    table.loc["New drug", "expected_utility"] - table.loc["Standard care", "expected_utility"]
)
p_new_best = float(table.loc["New drug", "prob_best"])

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6.4, 4))
grid = np.linspace(0, 1, 401)
for name, label in [("p_standard", "Standard care"), ("p_new", "New drug")]:
    dist = evidence.distributions[name]
    a, b = dist.alpha, dist.beta
    ax.plot(grid, stats.beta.pdf(grid, a, b), lw=2, label=f"{label}: Beta({a:g}, {b:g})")
ax.set_xlabel("Response rate at 12 weeks (proportion of patients)")
ax.set_ylabel("Posterior density")
ax.set_title("What the pilot tells us: posterior response rates")
ax.legend(frameon=False)
save(fig, args, "posterior_response.png")

# %% [markdown]
# ## What would perfect and sample information be worth?
#
# The EVPI per patient is the expected loss of deciding now; times the discounted number of
# patients over the decision's lifetime it bounds what any research is worth. A real trial
# only reduces the uncertainty about the two response rates, so its value is the expected
# value of sample information, EVSI(n), for a two-arm trial with n patients per arm. We
# estimate it with the regression method of Strong et al. (2015): simulate one trial per
# draw, regress the incremental net benefit on the trial's summary statistics (responders
# per arm), and take the expected maximum of the fitted values.

# %%
evpi = float(dk.voi.evpi(outcomes, utility))
discounted_patients = float(
    dk.voi.population_evpi(
        1.0,
        population_per_year=POPULATION_PER_YEAR,
        horizon_years=HORIZON_YEARS,
        discount_rate=DISCOUNT,
    )
)
population_evpi = evpi * discounted_patients
print(f"EVPI per patient {fmt.money(evpi)}; population EVPI {fmt.money(population_evpi)}")

study = dk.voi.TwoArmBinary(p_control="p_standard", p_treatment="p_new")
evsi = dk.voi.evsi(outcomes, utility, study=study, n=SAMPLE_SIZES, random_seed=SEED)
print(evsi.summary())

ax = dk.plot.evsi_curve(evsi)
ax.set_ylabel("EVSI per patient (£)")
ax.set_title("Value of a two-arm trial per future patient")
save(ax.figure, args, "evsi_curve.png")

# %% [markdown]
# ## The expected net benefit of sampling and the optimal trial size
#
# ENBS(n) = population EVSI(n) - (setup cost + cost per participant x 2n). Small trials
# learn too little; very large ones cost more than the extra precision is worth. The trial
# size to fund maximises ENBS; the interval comes from the uncertainty in the EVSI
# regression.

# %%
enbs = dk.voi.enbs(
    evsi,
    population_per_year=POPULATION_PER_YEAR,
    horizon_years=HORIZON_YEARS,
    discount_rate=DISCOUNT,
    setup_cost=TRIAL_SETUP,
    cost_per_participant=COST_PER_PARTICIPANT,
)
print(enbs.summary())
best = enbs.optimal.iloc[0]
n_opt = int(best["optimal_n"])
trial_cost = TRIAL_SETUP + COST_PER_PARTICIPANT * 2 * n_opt
evsi_at_opt = float(evsi.table.set_index("n").loc[n_opt, "evsi"])
# The ENBS curve is flat near its peak: report every size within 5% of the best ENBS.
near = enbs.table.loc[enbs.table["enbs"] >= 0.95 * float(best["enbs"]), "n"]
n_near = (int(near.min()), int(near.max()))

ax = dk.plot.enbs_curve(enbs)
ax.yaxis.set_major_formatter(lambda v, _pos: f"£{v / 1e6:g}M")
ax.set_ylabel("ENBS over 10 years (£ million, all patients)")
ax.set_title("Expected net benefit of sampling by trial size")
save(ax.figure, args, "enbs_curve.png")

# %% [markdown]
# ## The recommendation and what it would change
#
# Do not recommend the new drug on today's evidence (its expected net benefit is about £180
# per patient below standard care's), but **fund a two-arm trial of about 200 patients per
# arm**. It costs about £2.6 million and its expected net benefit of sampling is about
# £12 million, most of the population EVPI of about £17 million: per future patient it buys
# about £330 of the £400 that perfect information would be worth. The ENBS curve is flat
# near its peak (anything from about 150 to 400 per arm is within 5% of the best), so the
# exact size can follow practical constraints such as recruitment; trials beyond about 1,000
# per arm cost more than the extra certainty is worth. In NICE's terms this is "only in
# research": the trial would change the decision in the futures where the new drug's
# response rate turns out high enough to pay for its price. A lower price (about £200 less
# per course) would make the drug the expected-value choice today and shrink the value of
# the trial; a smaller eligible population would favour a smaller trial, or none.

# %%
print(
    f"KEY: wtp={WTP} inb_new_vs_standard={inb:.1f} prob_new_best={p_new_best:.3f} "
    f"evpi_per_patient={evpi:.1f} population_evpi={population_evpi:.0f} "
    f"optimal_n_per_arm={n_opt} evsi_per_patient={evsi_at_opt:.1f} "
    f"enbs={float(best['enbs']):.0f} trial_cost={trial_cost:.0f} "
    f"near_optimal_n={n_near[0]}-{n_near[1]}"
)
current = "New drug" if inb > 0 else "Standard care"
print(
    f"RECOMMENDATION: keep {current} for now and fund a two-arm trial with {n_opt} patients "
    f"per arm (trial cost £{trial_cost:,.0f}; ENBS £{float(best['enbs']):,.0f})"
)
