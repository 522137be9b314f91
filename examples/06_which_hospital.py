"""Which hospital? Hierarchical model of surgical mortality, P(best) and expected loss.

A referral case study: ten hospitals report 30-day mortality after the same operation;
where should a patient be referred? Partial pooling tames the small hospitals' noisy rates,
and the decision is taken on expected survival, not on the probability of being best. Run
it with ``python examples/06_which_hospital.py`` (``--fast`` samples very little).
"""

# %% [markdown]
# ## The clinical question
#
# A regional network audits 30-day mortality after one major elective operation at ten
# hospitals. A surgeon referring a patient for the operation can choose any of them, and
# wants the one where the patient is most likely to be alive 30 days later.
#
# ## The evidence
#
# ``dk.datasets.load_hospital_outcomes()``: procedures and deaths per hospital in the audit
# period (a simulated teaching data set). The hospitals differ a lot in size, from 60 to
# 1,200 procedures. The raw mortality rates range from 1.4% (Hospital C, 3 deaths in 210) to
# 6.7% (Hospital J, 4 in 60), but with so few deaths a small hospital's raw rate is mostly
# luck: ranking by raw rates rewards and punishes noise.
#
# ## The model
#
# ``HierarchicalRates`` is a binomial model with partial pooling on the log-odds scale:
# each hospital's log-odds of death is drawn from a common normal distribution whose mean
# and spread (tau) are learnt from all ten hospitals (Gelman et al., *Bayesian Data
# Analysis*, chapter 5). Small hospitals are pulled strongly towards the network rate;
# large ones keep close to their own data.

# %%
from __future__ import annotations

import warnings

import numpy as np
from _common import parse_args, save

import decisionkit as dk
from decisionkit.exceptions import ConvergenceWarning
from decisionkit.models.bayes.hierarchical import HierarchicalRates

SEED = 2026
PER = 1_000  # report survival differences as deaths per 1,000 referrals
CVAR_ALPHA = 0.1
# Differences in expected survival below half a death per 1,000 referrals are treated as a
# practical tie (a judgement for the referring team; it is far below what an audit detects).
TIE_MARGIN = 0.5 / PER

args = parse_args(__file__, "Which hospital? (hierarchical mortality model and referral)")
hospitals = dk.datasets.load_hospital_outcomes()
hospitals["raw_mortality_%"] = (100 * hospitals["deaths"] / hospitals["procedures"]).round(2)
print(hospitals.to_string(index=False))

model = HierarchicalRates(
    draws=300 if args.fast else 2_000,
    tune=300 if args.fast else 1_000,
    chains=2,
    cores=1,
    random_seed=SEED,
    progressbar=args.show_progress,
)
with warnings.catch_warnings():
    if args.fast:
        # 2 chains x 300 draws is too short for reliable r_hat/ESS on tau; the model warns
        # about it, as it should. The fast mode only exists to exercise the pipeline in the
        # tests, so silence that expected warning here and nowhere else.
        warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(hospitals, events="deaths", n="procedures", groups="hospital")
print(model.diagnostics_)
summary = model.summary()
print(summary.round(4).to_string(index=False))

# %% [markdown]
# ## Shrinkage
#
# The caterpillar plot shows each hospital's raw rate (open circle), its partially pooled
# posterior mean (filled) with a 95% interval, and the network rate (dashed). Hospital C's
# 1.4% is pulled up to about 2.8%, Hospital J's 6.7% down to about 3.5%; the big hospitals
# barely move.

# %%
ax = dk.plot.plot_group_rates(model, unit="30-day deaths per 100 procedures")
ax.set_title("30-day mortality by hospital: raw rate vs partially pooled estimate")
save(ax.figure, args, "shrinkage.png")

# %% [markdown]
# ## The referral decision: expected survival, P(best) and expected loss
#
# Each hospital is an action; its outcome is the probability of surviving 30 days,
# ``model.to_outcomes(metric="survival")``. ``dk.decide`` reports, for each hospital, the
# expected survival, the probability of being the best (P(best)) and the expected loss:
# how much survival, on average over the posterior, is given up by choosing it instead of
# the truly best hospital. The expected-value choice minimises the expected loss.
#
# Two hospitals stand out, and they teach the main lesson of this example. **Hospital I**
# (1,200 procedures) and **Hospital C** (210 procedures, the lowest raw rate) have almost
# the same expected survival, but C has the *higher* P(best): its wide interval gives it a
# fair chance of being far better than everyone, and just as fair a chance of being
# mediocre. P(best) rewards uncertainty and is not a decision rule; expected survival (and
# expected loss) is.

# %%
outcomes = model.to_outcomes(metric="survival")
survival = dk.utility.linear({"survival": 1.0})
decision = dk.decide(outcomes, survival)
table = decision.table.set_index("action")
print(decision.table.round(5).to_string(index=False))

top_two = list(decision.table.sort_values("rank")["action"].iloc[:2])
diff = float(table.loc[top_two[0], "expected_utility"] - table.loc[top_two[1], "expected_utility"])
diff_mcse = float(np.hypot(table.loc[top_two[0], "mcse"], table.loc[top_two[1], "mcse"]))
highest_p_best = str(table["prob_best"].idxmax())

# %%
import matplotlib.pyplot as plt

order = decision.table.sort_values("expected_loss", ascending=False)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
ax1.barh(order["action"], order["prob_best"], color="C0")
ax1.set_xlabel("P(best): probability of the lowest mortality")
ax1.set_title("Probability of being the best hospital")
ax2.barh(order["action"], PER * order["expected_loss"], color="C3")
ax2.set_xlabel(f"Expected loss (extra deaths per {PER:,} referrals)")
ax2.set_title("Expected loss of referring there")
fig.suptitle("Which hospital? P(best) rewards uncertainty; expected loss is the decision rule")
fig.tight_layout()
save(fig, args, "referral_decision.png")

# %% [markdown]
# ## Breaking a near tie with a risk-averse objective
#
# The difference in expected survival between the two leaders is a fraction of a death per
# 1,000 referrals, comparable with the Monte Carlo error of the posterior draws and below the
# half a death per 1,000 that we treat as clinically negligible: on expected value they are
# tied. A referrer who is averse to the chance of sending a patient to a
# hospital that turns out to be poor can compare the hospitals on the conditional
# value-at-risk of survival, the mean over the worst 10% of posterior scenarios. There the
# well-measured Hospital I is clearly ahead: what we know about it is based on 1,200
# patients.

# %%
cautious = dk.decide(outcomes, survival, objective=dk.utility.cvar(CVAR_ALPHA))
print(cautious.table.round(5).to_string(index=False))
tied = abs(diff) < max(TIE_MARGIN, 2 * diff_mcse)  # clinically negligible or Monte Carlo noise
choice = str(cautious.best) if tied else str(decision.best)
rule = "tie on expected survival, broken by CVaR" if tied else "highest expected survival"
row = table.loc[choice]
evpi = float(decision.evpi)

# %% [markdown]
# ## What more evidence would be worth, and what the recommendation changes
#
# The EVPI, the expected loss of the best choice, is about 4 deaths per 1,000 referrals:
# that is what knowing the true ranking would be worth to each referred patient. The
# hospitals that could still turn out to be the best are the small ones with wide intervals
# (C, A, D: their P(best) is far above what their expected survival suggests), so another
# year of audit data from them is the evidence most likely to change the referral.
#
# **Refer to Hospital I.** Its expected 30-day survival is about 97.2%, as high as any
# hospital's, and its estimate rests on the most evidence. Referring by raw rates would
# have sent patients to Hospital C, and referring by P(best) would too; neither rule
# accounts for how little 210 procedures and 3 deaths tell us. Compared with referring to
# the average hospital in the network, choosing I saves about 4 deaths per 1,000 referrals.
# If a further audit year confirmed C's low mortality, C would become the referral choice.

# %%
average = float(decision.table["expected_utility"].mean())
saved = PER * (float(row["expected_utility"]) - average)
print(
    f"KEY: choice={choice.replace(' ', '_')} ev_best={str(decision.best).replace(' ', '_')} "
    f"cvar_best={str(cautious.best).replace(' ', '_')} "
    f"highest_p_best={highest_p_best.replace(' ', '_')} tied={tied} "
    f"survival={float(row['expected_utility']):.5f} prob_best={float(row['prob_best']):.3f} "
    f"expected_loss_per_1000={PER * float(row['expected_loss']):.2f} "
    f"evpi_per_1000={PER * evpi:.2f} top_two_diff_per_1000={PER * diff:.3f} "
    f"diff_mcse_per_1000={PER * diff_mcse:.3f} deaths_saved_vs_average_per_1000={saved:.2f}"
)
print(
    f"RECOMMENDATION: refer to {choice} ({rule}; expected 30-day survival "
    f"{100 * float(row['expected_utility']):.1f}%, P(best) {float(row['prob_best']):.2f}, "
    f"expected loss {PER * float(row['expected_loss']):.1f} deaths per {PER:,} referrals)"
)
