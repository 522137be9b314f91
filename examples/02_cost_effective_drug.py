"""Is the new drug cost-effective? Markov model, PSA, CEA and value of information.

A worked cost-effectiveness analysis in the style of a health-economics course: a Markov
cohort model, probabilistic sensitivity analysis (PSA), the ICER table, the cost-effectiveness
plane, acceptability curves, the expected value of (partial) perfect information and a
deterministic tornado. Run it with ``python examples/02_cost_effective_drug.py`` (add
``--fast`` for a quick run with few draws).
"""

# %% [markdown]
# ## The clinical question
#
# A hypothetical chronic disease moves people from *Healthy* to *Sick*, from *Sick* to a
# worse *Sicker* state, and to death (the Sick-Sicker model of the DARTH group,
# Alarid-Escudero et al., *Med Decis Making* 2023;43:3-20). Two new treatments exist:
#
# * **A** improves the quality of life of Sick patients (it does not change progression);
# * **B** slows progression from Sick to Sicker (hazard ratio about 0.6).
#
# Both are given to everyone who is Sick or Sicker, at about 12,000-13,000 USD a year each.
# A payer must choose one of four strategies for a cohort of 25-year-olds: standard of care,
# A, B, or both (AB). The payer's willingness to pay (WTP) is **100,000 USD per QALY**.
#
# ## The evidence and the model
#
# A four-state Markov cohort model with one-year cycles runs from age 25 to 100; costs and
# QALYs are discounted at 3% a year. Every input (transition rates, hazard ratios, costs,
# utilities) is uncertain and carries the PSA distribution of the tutorial (gamma for
# rates and costs, log-normal for hazard ratios, beta for utilities). We sample the inputs,
# run the cohort model once per draw (vectorised over draws) and get an
# ``OutcomeDistribution``: cost and QALYs per draw and strategy, with the inputs attached.

# %%
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from _common import parse_args, save

import decisionkit as dk
from decisionkit.models.cohort.sick_sicker import (
    sick_sicker_expected,
    sick_sicker_parameters,
    sick_sicker_psa,
)

WTP = 100_000  # USD per QALY
SEED = 2026
# Population that would receive the decision (an assumption for the population EVPI): about
# 10,000 newly diagnosed people a year, for 10 years, discounted at 3.5%.
POPULATION_PER_YEAR = 10_000
HORIZON_YEARS = 10


def fewer_ticks(ax, axis: str = "x", n: int = 5):
    """At most ``n`` ticks on a money axis, so long labels like $200,000 do not overlap."""
    from matplotlib.ticker import MaxNLocator

    getattr(ax, f"{axis}axis").set_major_locator(MaxNLocator(n))


def mark_wtp(ax):
    """Mark the decision's willingness to pay on a WTP axis (dashed, labelled at the top)."""
    ax.axvline(WTP, color="black", ls="--", lw=1)
    ax.annotate(
        f" WTP used: ${WTP:,}",
        xy=(WTP, 1.0),
        xycoords=("data", "axes fraction"),
        va="top",
        fontsize="small",
    )


args = parse_args(__file__, "Is the new drug cost-effective? (Sick-Sicker CEA with PSA)")
n_draws = 300 if args.fast else 5_000

psa = sick_sicker_parameters()
outcomes = sick_sicker_psa(n_draws, random_seed=SEED)
print(f"PSA: {outcomes.n_draws} draws x {len(outcomes.actions)} strategies")

# %% [markdown]
# ## Incremental analysis: the ICER table
#
# Strategies are sorted by cost; strongly dominated ones (costlier and less effective than
# another) and extendedly dominated ones (beaten by a mix of two others) are removed, and
# the incremental cost-effectiveness ratio (ICER) of each remaining strategy is computed
# against the next cheaper one on the frontier. With the tutorial's inputs, A is dominated
# (B gives more QALYs for less money), B costs about 76,000 USD per QALY gained over
# standard of care, and adding A to B (AB) costs about 120,000 USD per extra QALY.

# %%
wtp_grid = np.arange(0, 200_001, 2_000 if args.fast else 1_000)
cea = dk.cea.analyze(outcomes, cost="cost", effect="qaly", wtp=wtp_grid)
print(cea.summary())
icers = cea.icers()

# %% [markdown]
# ## The cost-effectiveness plane and the frontier
#
# Each dot is one PSA draw of a strategy's cost and QALYs relative to standard of care. The
# dashed line has slope WTP: points below it are worth their cost at 100,000 USD/QALY.

# %%
ax = dk.plot.ce_plane(cea, wtp=WTP, currency="$")
ax.set_title("Sick-Sicker: incremental cost and QALYs vs standard of care")
save(ax.figure, args, "ce_plane.png")

ax = dk.plot.icer_frontier(cea, currency="$")
ax.set_title("Sick-Sicker: cost-effectiveness frontier (expected values)")
save(ax.figure, args, "icer_frontier.png")

# %% [markdown]
# ## The decision under uncertainty: CEAC and CEAF
#
# The acceptability curve (CEAC) shows, for each WTP, the probability that each strategy
# has the highest net monetary benefit :math:`NMB = WTP \times QALY - cost`. The frontier
# (CEAF) follows the strategy with the highest *expected* NMB, which is the one to choose:
# decisions maximise expected value, not the probability of being best.

# %%
ax = dk.plot.ceac(cea, currency="$")
fewer_ticks(ax)
mark_wtp(ax)
ax.set_title("Cost-effectiveness acceptability curves")
save(ax.figure, args, "ceac.png")

ax = dk.plot.ceaf(cea, currency="$")
fewer_ticks(ax)
mark_wtp(ax)
ax.set_title("Cost-effectiveness acceptability frontier")
save(ax.figure, args, "ceaf.png")

utility = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=WTP)
decision = dk.decide(outcomes, utility)
best = decision.best
table = decision.table.set_index("action")
p_best = float(table.loc[best, "prob_best"])
row = icers.set_index("strategy").loc[best]
icer_best = float(row["icer"])
print(decision.table.to_string(index=False))

# %% [markdown]
# ## What would more evidence be worth? EVPI and EVPPI
#
# The expected value of perfect information (EVPI) is what the decision-maker would pay,
# per patient, to remove all uncertainty before choosing:
# :math:`EVPI = E_\theta[\max_a NB(a, \theta)] - \max_a E_\theta[NB(a, \theta)]`. Scaled to
# the population that the decision affects it bounds the value of any research. The EVPPI
# of one input (Strong, Oakley & Brennan 2014 regression method) says *which* uncertainty
# matters: research should target the inputs with the largest bars.

# %%
ax = dk.plot.evpi_curve(cea, currency="$")
fewer_ticks(ax)
mark_wtp(ax)
ax.set_title("Per-patient EVPI across willingness to pay")
save(ax.figure, args, "evpi_curve.png")

evpi = float(dk.voi.evpi(outcomes, utility))
pop_evpi = float(
    dk.voi.population_evpi(
        evpi, population_per_year=POPULATION_PER_YEAR, horizon_years=HORIZON_YEARS
    )
)
# every input that varies (c_D and u_D are fixed at 0 and are left out by default)
evppi = dk.voi.evppi_each(outcomes, utility, method="gam", se=False, random_seed=SEED)
evppi_table = evppi.table.sort_values("evppi", ascending=False)
print(evppi_table[["parameters", "evppi", "evpi"]].head(5).to_string(index=False))
top_parameter = str(evppi_table["parameters"].iloc[0])

ax = dk.plot.evppi_bars(evppi)
ax.set_xlabel("EVPPI per patient ($)")
ax.set_title(f"Which input is worth researching? EVPPI at {WTP:,} USD/QALY")
save(ax.figure, args, "evppi_bars.png")

# %% [markdown]
# ## Deterministic sensitivity: the tornado
#
# For comparison with the PSA, each input is moved alone across its 95% PSA interval with
# the others at their means. What matters for the *decision* is not the net monetary benefit
# of B by itself (the disease-course rates move every strategy's NMB together) but B's
# **incremental** net benefit over the best alternative at the same inputs,
# :math:`INB = NMB_B - \max_{a \neq B} NMB_a`: while it stays positive B remains the choice,
# and a bar that crosses zero marks an input whose plausible range changes the decision. The
# tornado ranks the inputs by how much they move the INB.

# %%
ranges = psa.ranges(prob=0.95)
uncertain = ranges[ranges["high"] > ranges["low"]]  # c_D and u_D are fixed: no range to vary
one_way = dk.sensitivity.one_way(
    sick_sicker_expected,
    psa.base_case(),
    {r.parameter: (r.low, r.high) for r in uncertain.itertuples()},
    wtp=WTP,
    n_points=3 if args.fast else 11,
)
print(one_way.summary())
n_optimal = one_way.optimal().groupby("parameter")["strategy"].nunique()
flips = [p for p, n in n_optimal.items() if n > 1]


def incremental_nmb(frame: pd.DataFrame) -> pd.DataFrame:
    """NMB of ``best`` minus that of the best other strategy, per (parameter, value)."""
    nmb = frame.pivot_table(
        index=["parameter", "value"], columns="strategy", values="nmb", sort=False
    )
    inb = nmb[best] - nmb.drop(columns=best).max(axis=1)
    return inb.rename("nmb").reset_index().assign(strategy=inb_name)


inb_name = f"{best} over the best alternative"
base_nmb = one_way.base.set_index("strategy")["nmb"]
base_inb = base_nmb[best] - base_nmb.drop(best).max()
inb = replace(
    one_way,
    frame=incremental_nmb(one_way.frame),
    base=pd.DataFrame({"strategy": [inb_name], "nmb": [base_inb]}),
)
# Inputs that move B's margin by less than a dollar (those that move B and its closest rival
# together, e.g. the utility of the Healthy state) get no bar.
tornado_table = inb.tornado(inb_name).query("swing >= 1")
crosses_zero = sorted(
    tornado_table.loc[tornado_table[["outcome_low", "outcome_high"]].min(axis=1) < 0, "parameter"]
)
plotted = replace(inb, frame=inb.frame[inb.frame["parameter"].isin(tornado_table["parameter"])])
ax = dk.plot.tornado(plotted, strategy=inb_name, currency="$")
ax.axvline(0.0, color="tab:red", lw=1.5, ls=":", label="No margin: the decision changes")
ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
fewer_ticks(ax)
ax.set_title(f"One-way sensitivity of the incremental NMB of {best} (WTP {WTP:,} USD/QALY)")
save(ax.figure, args, "tornado.png")

# %% [markdown]
# ## The same question from the PSA alone: a regression metamodel
#
# A reader who received only the PSA draws (no model to re-run) can ask the same question
# with dampack's one-way *metamodel*: for each input and strategy, a quadratic regression of
# the net monetary benefit on that input over the PSA draws, predicted across the input's 95%
# interval (the other inputs vary as in the PSA rather than sit at their means). Where the
# predicted best strategy changes along an input's range, that input can flip the decision.

# %%
metamodel = dk.sensitivity.one_way_psa(outcomes, utility)
print(metamodel)
changes = metamodel.summary
metamodel_flips = sorted(changes.loc[changes["optimal"] != best, "parameter"])
ax = dk.plot.one_way_optimal(metamodel)
ax.figure.set_size_inches(8, 6)
save(ax.figure, args, "optimal_strategy_metamodel.png")

# %% [markdown]
# ## The recommendation and what it would change
#
# At 100,000 USD/QALY the payer should fund **Strategy B** (ICER about 76,000 USD/QALY
# versus standard of care); A is dominated and AB is not worth its extra cost unless the
# WTP exceeds about 120,000 USD/QALY. Adopting B costs about 108,000 USD more per patient
# over a lifetime for about 1.4 extra QALYs.
#
# The probability that B is truly best is about three in four, and the expected loss from
# choosing it is small: the per-patient EVPI is about 3,000 USD against a net benefit near
# 2 million USD. Over 10 years of patients, though, it adds up to a few hundred million
# dollars, so research is worth considering. The EVPPI says where to look: the utility of
# the Sick state (a quality-of-life study) and the price of treatment A (a negotiation). The
# one-way analysis agrees: these are the inputs whose plausible range flips the decision,
# the two bars that cross zero in the tornado of B's incremental net benefit, and the
# regression metamodel of the PSA draws finds the same two (a cheaper A
# makes AB the better buy), while the disease-course rates, which move every strategy's NMB
# by far more, move B's margin over its rivals much less. If the WTP were
# 120,000 USD/QALY or more, the recommendation would change to AB.

# %%
print(
    f"KEY: wtp={WTP} icer_best={icer_best:.0f} prob_best={p_best:.3f} "
    f"evpi_per_patient={evpi:.0f} population_evpi={pop_evpi:.0f} "
    f"top_evppi_parameter={top_parameter} decision_flips_on={','.join(flips) or 'none'} "
    f"tornado_crosses_zero={','.join(crosses_zero) or 'none'} "
    f"metamodel_flips_on={','.join(metamodel_flips) or 'none'}"
)
print(
    f"RECOMMENDATION: fund {best} at {WTP:,} USD/QALY "
    f"(ICER {icer_best:,.0f} USD/QALY vs the next cheaper frontier strategy; "
    f"P(best) {p_best:.2f}; EVPI {evpi:,.0f} USD per patient)"
)
