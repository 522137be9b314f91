"""From a model to a submission: scenarios, budget impact, an Excel model and an HTML report.

The HIV model of Chancellor et al. (1997), as built in Excel in Briggs, Claxton & Sculpher
(2006), *Decision Modelling for Health Economic Evaluation* (Example 2.5, made probabilistic
in chapter 4), taken all the way to what a health technology assessment agency asks for:
the base case and its probabilistic sensitivity analysis, named scenario analyses, a budget
impact analysis, an executable workbook whose trace recomputes from its input cells, and a
self-contained HTML report with a filled CHEERS 2022 checklist. Run it with
``python examples/10_hta_submission.py`` (add ``--fast`` for a quick run).
"""

# %% [markdown]
# ## The decision
#
# People with HIV (CD4 count 200-500) either take zidovudine alone (**mono**) or zidovudine
# plus lamivudine (**comb**). Combination therapy lowers the risk of progressing through the
# states CD4 200-500 (A), CD4 < 200 (B), AIDS (C) and death (D) by a relative risk of 0.509,
# for the first two years only (the trial's follow-up), and costs 2,086.50 GBP a year more
# while given. Costs are discounted at 6% a year (UK guidance at the time), life years are
# not. The payer's threshold is **20,000 GBP per life year gained**.
#
# The model is written once, as expressions of named parameters (``MarkovSpec``): the
# same definition runs vectorised over PSA draws in Python and becomes the live formulas of
# the workbook.

# %%
from __future__ import annotations

import numpy as np
from _common import parse_args, save

import decisionkit as dk
from decisionkit import report as rp

args = parse_args(__file__, "HIV model: from analysis to submission")
N_DRAWS = 300 if args.fast else 5_000
WTP = 20_000  # GBP per life year gained
SEED = 19
YEARS = 5  # budget impact horizon

from decisionkit.models.cohort import psa as psa_mod

# Transitions observed in Chancellor et al. (rows A, B, C): Briggs et al. 2006, Table 2.2
COUNTS = {"A": [1251, 350, 116, 17], "B": [731, 512, 15], "C": [1312, 437]}
BASE = {
    "p_AB": 350 / 1734,
    "p_AC": 116 / 1734,
    "p_AD": 17 / 1734,
    "p_BC": 512 / 1258,
    "p_BD": 15 / 1258,
    "p_CD": 437 / 1749,
    "rr_comb": 0.509,  # relative risk on combination therapy (95% CI 0.365-0.710)
    "cost_zido": 2278.0,
    "cost_lami": 2086.5,  # GBP a year
    "c_A": 2756.0,
    "c_B": 3052.0,
    "c_C": 9007.0,  # direct medical costs, GBP a year
}


def make_spec(discount_cost: float = 0.06, horizon: int = 20) -> rp.MarkovSpec:
    """The HIV model; the discount rate and time horizon are scenario settings."""
    rr = "*(rr_comb if t <= 2 else 1)"
    lami = "(cost_lami if t <= 2 else 0)"

    def matrix(effect: str) -> list:
        return [
            ["C", f"p_AB{effect}", f"p_AC{effect}", f"p_AD{effect}"],
            [0, "C", f"p_BC{effect}", f"p_BD{effect}"],
            [0, 0, "C", f"p_CD{effect}"],
            [0, 0, 0, 1],
        ]

    return rp.MarkovSpec(
        ["A", "B", "C", "D"],
        strategies=["mono", "comb"],
        parameters=BASE,
        transition={"mono": matrix(""), "comb": matrix(rr)},
        state_costs={
            "mono": [f"c_{s} + cost_zido" for s in "ABC"] + [0],
            "comb": [f"c_{s} + cost_zido + {lami}" for s in "ABC"] + [0],
        },
        state_utilities=[1, 1, 1, 0],  # the effect is life years
        n_cycles=horizon,
        discount_cost=discount_cost,
        discount_effect=0.0,
        within_cycle="end",
        dead="D",
    )


def model(params, discount_cost: float = 0.06, horizon: int = 20):
    """The model as a function of a parameter table, for scenarios."""
    return make_spec(discount_cost, horizon).run(params)


# PSA distributions (Briggs et al. 2006, ch. 4): Dirichlet on each row of counts, log-normal
# relative risk from its confidence interval, gamma costs (an assumed sd of 25% of the mean)
log_rr_se = (np.log(0.710) - np.log(0.365)) / (2 * 1.96)
PSA = dk.models.PSA(
    {
        "row_A": psa_mod.Dirichlet(COUNTS["A"], names=["p_AA", "p_AB", "p_AC", "p_AD"]),
        "row_B": psa_mod.Dirichlet(COUNTS["B"], names=["p_BB", "p_BC", "p_BD"]),
        "row_C": psa_mod.Dirichlet(COUNTS["C"], names=["p_CC", "p_CD"]),
        "rr_comb": psa_mod.LogNormal.from_log(np.log(0.509), log_rr_se),
        "c_A": psa_mod.Gamma(mean=2756.0, sd=689.0),
        "c_B": psa_mod.Gamma(mean=3052.0, sd=763.0),
        "c_C": psa_mod.Gamma(mean=9007.0, sd=2252.0),
    }
)


def psa_params(draws):
    """The spec's parameters from a PSA sample (the diagonals are complements)."""
    return draws.drop(columns=["p_AA", "p_BB", "p_CC"])


# %% [markdown]
# ## Base case: deterministic and probabilistic
#
# The deterministic run reproduces the book: mono 44,663 GBP and 7.991 life years, comb
# 50,602 GBP and 8.937 life years, an ICER of 6,276 GBP per life year gained.

# %%
spec = make_spec()
base = spec.run().expected()
icer = (base["comb"]["cost"] - base["mono"]["cost"]) / (
    base["comb"]["life_years"] - base["mono"]["life_years"]
)
print(
    f"Deterministic: mono {base['mono']['cost']:,.0f} GBP, comb {base['comb']['cost']:,.0f} "
    f"GBP; ICER {icer:,.0f} GBP per life year"
)


# %% [markdown]
# ## Scenario analyses
#
# Each scenario changes one assumption; every scenario reuses the same random numbers, so
# the differences are the assumptions', not Monte-Carlo noise.


# %%
def scenario_model(params, discount_cost: float = 0.06, horizon: int = 20):
    return model(psa_params(params), discount_cost, horizon)


base_case = {**BASE, "p_AA": 1251 / 1734, "p_BB": 731 / 1258, "p_CC": 1312 / 1749}
scen = rp.run_scenarios(
    scenario_model,
    base_case,
    PSA,
    [
        rp.Scenario(
            "Discount 3.5% (NICE 2022)",
            settings={"discount_cost": 0.035},
            description="Costs discounted at 3.5% a year instead of 6%.",
        ),
        rp.Scenario(
            "Horizon 10 years",
            settings={"horizon": 10},
            description="Model run for 10 instead of 20 years.",
        ),
        rp.Scenario(
            "RR at upper CI (0.710)",
            parameters={"rr_comb": 0.710},
            description="Weaker effect of combination therapy, fixed at its upper "
            "95% confidence limit.",
        ),
        rp.Scenario(
            "Lamivudine price -25%",
            parameters={"cost_lami": 0.75 * 2086.5},
            description="Lamivudine at three quarters of its list price.",
        ),
        rp.Scenario(
            "Costlier AIDS care",
            parameters={"c_C": psa_mod.Gamma(mean=12_000.0, sd=3_000.0)},
            description="Subgroup with costlier AIDS care (mean 12,000 GBP a year).",
        ),
    ],
    n_draws=N_DRAWS,
    random_seed=SEED,
    wtp=WTP,
    cost="cost",
    effect="life_years",
)
print(scen)
ax = dk.plot.scenario_comparison(scen, currency="GBP ", effect_unit="life year")
save(ax.figure, args, "scenarios.png")

# %% [markdown]
# ## Budget impact
#
# A region of 5 million people, 0.1% of them with HIV at CD4 200-500, growing 2% a year.
# Today everyone is on mono; combination therapy takes 20% of patients in year 1 rising to
# 80% in year 5. Annual costs per patient come from the model's trace, undiscounted, with the
# PSA draws giving the intervals (ISPOR, Sullivan et al. 2014).

# %%
draws = scen.inputs["Base case"]
trace_run = make_spec().run(psa_params(draws), return_trace=True)
pdict = {c: draws[c].to_numpy() for c in draws.columns}


def yearly_state_costs(cycle: int, strategy: str) -> np.ndarray:
    return spec.state_values(
        "cost",
        strategy,
        {**pdict, **{k: v for k, v in BASE.items() if k not in pdict}, "t": cycle + 1},
        len(draws),
    )


costs = rp.annual_costs_from_trace(trace_run, yearly_state_costs, years=YEARS)
bia = rp.budget_impact(
    rp.eligible_population(5_000_000, years=YEARS, prevalence=0.001, growth=0.02),
    {"mono": 1.0},
    rp.market_shares_with({"mono": 1.0}, new="comb", uptake=[0.2, 0.4, 0.6, 0.7, 0.8], years=YEARS),
    costs,
)
print(bia)
ax = dk.plot.budget_impact(bia, currency="GBP ")
save(ax.figure, args, "budget_impact.png")

# %% [markdown]
# ## The executable model and the report
#
# The workbook holds the inputs, one live-formula trace sheet per strategy, the results next
# to decisionkit's values, and the PSA draws. The report collects everything with a CHEERS
# 2022 checklist saying which items are the analyst's to write.

# %%
args.output.mkdir(parents=True, exist_ok=True)
xlsx = rp.to_excel(
    spec,
    args.output / "hiv_model.xlsx",
    psa_draws=psa_params(draws).head(200),
    title="HIV model (Chancellor et al. 1997; Briggs et al. 2006, Ex 2.5)",
)
one_way = dk.sensitivity.one_way(
    lambda p: make_spec().run({**BASE, **p}).expected(),
    BASE,
    {"rr_comb": (0.365, 0.710), "cost_lami": (1500.0, 2500.0), "c_C": (6000.0, 12000.0)},
    wtp=WTP,
    effect="life_years",
    n_points=3,
)
rep = rp.write_report(
    args.output / "hta_report.html",
    scen.outcomes_for("Base case"),
    wtp=WTP,
    title="Zidovudine plus lamivudine for HIV: cost-effectiveness and budget impact",
    effect="life_years",
    currency="GBP ",
    effect_unit="life year",
    model=spec,
    psa=PSA,
    scenarios=scen,
    one_way=one_way,
    budget=bia,
    excel_file=xlsx.name,
    metadata={
        "population": "Adults with HIV and a CD4 count of 200-500 (Chancellor et al. 1997).",
        "perspective": "UK National Health Service (direct medical and drug costs).",
        "currency": "GBP, 1995 prices (Briggs et al. 2006).",
    },
)
print(rep)
print(f"report: {rep.path}\nworkbook: {xlsx}")

# %%
summary = scen.summary.set_index(["scenario", "strategy"])
p_ce = summary.loc[("Base case", "comb"), "prob_ce"]
cum = bia.summary["cumulative"].iloc[-1]
print(
    f"KEY: icer={icer:.0f} cost_mono={base['mono']['cost']:.2f} "
    f"cost_comb={base['comb']['cost']:.2f} prob_ce_comb={p_ce:.3f} "
    f"bia_year1={bia.summary['impact'].iloc[0]:.0f} bia_cumulative={cum:.0f} "
    f"n_scenarios={len(scen.scenarios)} report_mb={rep.n_bytes / 1e6:.2f}"
)
verdict = "adopt" if icer <= WTP else "do not adopt"
print(
    f"RECOMMENDATION: {verdict} zidovudine + lamivudine at {WTP:,} GBP per life year "
    f"(ICER {icer:,.0f}; P(cost-effective) {p_ce:.2f}; 5-year budget impact "
    f"{cum / 1e6:,.1f} million GBP)"
)
