"""Should we study more? EVSI and ENBS of a proposed two-arm trial on a bundled decision.

The decision problem is the bundled teaching example decisionkit.models.trial_example (prior
evidence as Beta PSA distributions, costs and QALYs from a decision tree); EVSI comes from
dk.voi.evsi and the expected net benefit of sampling from dk.voi.enbs. The page only wires
widgets to those calls.
"""

from __future__ import annotations

import warnings

import altair as alt
import pandas as pd
import streamlit as st
from _layout import currency

import decisionkit as dk
from decisionkit import formatting as fmt
from decisionkit.exceptions import DecisionKitWarning, ValidationError
from decisionkit.models.trial_example import TRIAL_EXAMPLE, trial_example_outcomes

N_DRAWS = 2_000  # PSA draws: EVSI over 13 sample sizes takes ~0.15 s (cached per wtp)
SEED = 2026
SIZES = (10, 25, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000)  # per arm
LOG_N = alt.Scale(type="log", domain=[SIZES[0], SIZES[-1]], nice=False)
CURRENCY = currency()  # the sidebar choice (this script reruns on every change)

# The teaching example (hypothetical numbers, documented on the page).
PRIOR = TRIAL_EXAMPLE
COST_STANDARD, COST_NEW = PRIOR["cost_standard"], PRIOR["cost_new"]
COST_FURTHER = PRIOR["cost_further_care"]
QALY_MEAN, QALY_SD = PRIOR["qaly_per_response_mean"], PRIOR["qaly_per_response_sd"]

PROBLEM = f"""
**The decision.** Patients with a chronic condition either respond to first-line treatment or
need further care. Should the health service switch from **standard care** to a **new drug**?

| | Standard care | New drug |
|---|---|---|
| Evidence on the response rate | {PRIOR["standard_responders"]} responders of \
{PRIOR["standard_patients"]} in earlier trials: Beta(40, 60), mean 40% | \
{PRIOR["new_responders"]} responders of {PRIOR["new_patients"]} in a pilot: Beta(10, 10), mean 50% |
| Drug cost per patient | {CURRENCY}{COST_STANDARD:,.0f} | {CURRENCY}{COST_NEW:,.0f} |

Non-responders need further care costing {CURRENCY}{COST_FURTHER:,.0f}. A response gains
QALYs with mean {QALY_MEAN} (sd {QALY_SD}, Gamma). The new drug works better on average but
costs more, and the pilot was small: the decision is uncertain. **The proposed study** is a
two-arm randomised trial with *n* patients per arm and response as its outcome; it would
update both response rates. These are hypothetical teaching numbers ({N_DRAWS:,} Monte Carlo
draws; EVSI by the regression method of Strong et al. 2015; ENBS as in Ades et al. 2004).
"""


# ---------------------------------------------------------------------- model (cached)
@st.cache_resource(max_entries=1, show_spinner=False)
def decision_problem() -> dk.OutcomeDistribution:
    """Cost and QALY draws per strategy, with the parameter draws attached."""
    return trial_example_outcomes(N_DRAWS, random_seed=SEED)


@st.cache_resource(max_entries=32, show_spinner="Simulating trials of each size…")
def evsi_curve(wtp: float):
    """EVSI per sample size at one wtp, the current decision and any library warnings."""
    out = decision_problem()
    u = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=wtp)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DecisionKitWarning)
        result = dk.voi.evsi(
            out, u, study=dk.voi.TwoArmBinary("p_standard", "p_new"), n=SIZES, random_seed=SEED
        )
    notes = [str(w.message) for w in caught if issubclass(w.category, DecisionKitWarning)]
    return result, dk.decide(out, u), notes


# ---------------------------------------------------------------------- sections
def money(v: float) -> str:
    return fmt.money(v, CURRENCY)


def recommendation(best: pd.Series, decision: dk.Decision, participants: int) -> None:
    """The answer first: is the study worth doing, at which size, with what uncertainty."""
    worth = best["enbs"] > 0
    left, mid, right = st.columns(3)
    left.metric("Is the study worth doing?", "Yes" if worth else "No")
    size = f"{int(best['optimal_n']):,} per arm"
    mid.metric(
        "Best sample size",
        size if worth else "No study",
        help="The size with the largest expected net benefit of sampling; the range is the 95% "
        "interval of the best size over the uncertainty in the EVSI estimate.",
    )
    right.metric(
        "Expected net benefit of sampling",
        money(best["enbs"]),
        help="Population value of the trial's information minus what the trial costs.",
    )
    rng = f"{int(best['n_lower']):,} to {int(best['n_upper']):,}"
    current = decision.table.set_index("action").loc[decision.best, "prob_best"]
    if worth:
        text = (
            f"**Yes: run the trial with about {int(best['optimal_n']):,} patients per arm** "
            f"({participants:,} in all; plausible best size {rng} per arm). Its expected net "
            f"benefit is {money(best['enbs'])}, positive in {best['prob_positive']:.0%} of the "
            "draws of the EVSI curve."
        )
    else:
        text = (
            "**No: the trial costs more than its information is worth** at every size up to "
            f"{SIZES[-1]:,} per arm (best: {money(best['enbs'])} at "
            f"{int(best['optimal_n']):,} per arm). Decide on current evidence."
        )
    st.markdown(
        f"{text} Without it, **{decision.best}** is the better choice now, but only in "
        f"{current:.0%} of the draws."
    )


def evsi_chart(evsi, evpi: float) -> alt.LayerChart:
    """EVSI per person against n, ±2 se band, EVPI as the ceiling."""
    frame = evsi.to_frame()
    frame["lower"] = (frame["evsi"] - 2 * frame["se"]).clip(lower=0)
    frame["upper"] = frame["evsi"] + 2 * frame["se"]
    x = alt.X("n:Q", title="Patients per arm (log scale)", scale=LOG_N)
    tips = [
        alt.Tooltip("n:Q", title="Patients per arm", format=","),
        alt.Tooltip("evsi:Q", title=f"EVSI per person ({CURRENCY})", format=",.0f"),
        alt.Tooltip("se:Q", title=f"Standard error ({CURRENCY})", format=",.1f"),
    ]
    band = alt.Chart(frame).mark_area(opacity=0.25).encode(x, alt.Y("lower:Q"), alt.Y2("upper:Q"))
    line = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(x, alt.Y("evsi:Q", title=f"EVSI per person ({CURRENCY})"), tooltip=tips)
    )
    ceiling = (
        alt.Chart(pd.DataFrame({"evpi": [evpi]}))
        .mark_rule(color="black", strokeDash=[6, 4])
        .encode(alt.Y("evpi:Q"), tooltip=[alt.Tooltip("evpi:Q", title="EVPI", format=",.0f")])
    )
    return (band + line + ceiling).properties(
        title=alt.TitleParams(
            "EVSI per person",
            subtitle="Band: ±2 standard errors. Dashed: EVPI, the ceiling.",
            anchor="start",
        ),
        height=340,
    )


def enbs_chart(enbs, best: pd.Series) -> alt.LayerChart:
    """Population EVSI, study cost and ENBS against n, with the ENBS interval and the optimum."""
    frame = enbs.to_frame()
    long = frame.melt(
        id_vars=["n"],
        value_vars=["population_evsi", "study_cost", "enbs"],
        var_name="quantity",
        value_name="value",
    )
    names = {
        "population_evsi": "Population EVSI",
        "study_cost": "Trial cost",
        "enbs": "ENBS",
    }
    long["quantity"] = long["quantity"].map(names)
    # the axis in thousands/millions with the unit in its title (tooltips keep whole units)
    scale, word = fmt.money_unit(frame[["population_evsi", "study_cost", "enbs_upper"]])
    long["scaled"] = long["value"] / scale
    frame = frame.assign(lower_s=frame["enbs_lower"] / scale, upper_s=frame["enbs_upper"] / scale)
    best = pd.concat([best, pd.Series({"enbs_s": best["enbs"] / scale})])
    unit = f"{CURRENCY.strip()} {word}".strip()
    y_title = f"{unit} (population, discounted)"
    x = alt.X("n:Q", title="Patients per arm (log scale)", scale=LOG_N)
    band = (
        alt.Chart(frame)
        .mark_area(opacity=0.2, color="#59a14f")
        .encode(x, alt.Y("lower_s:Q", title=y_title), alt.Y2("upper_s:Q"))
    )
    lines = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x,
            alt.Y("scaled:Q", title=y_title, axis=alt.Axis(format=",~r")),
            alt.Color(
                "quantity:N",
                title=None,
                sort=list(names.values()),
                scale=alt.Scale(range=["#4e79a7", "#e15759", "#59a14f"]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("n:Q", title="Patients per arm", format=","),
                alt.Tooltip("quantity:N", title="Quantity"),
                alt.Tooltip("value:Q", title=f"Value ({CURRENCY})", format=",.0f"),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="grey").encode(alt.Y("y:Q"))
    optimum = (
        alt.Chart(pd.DataFrame([best]))
        .mark_point(shape="diamond", size=200, filled=True, color="black")
        .encode(
            alt.X("optimal_n:Q"),
            alt.Y("enbs_s:Q"),
            tooltip=[
                alt.Tooltip("optimal_n:Q", title="Best size per arm", format=","),
                alt.Tooltip("enbs:Q", title=f"ENBS ({CURRENCY})", format=",.0f"),
            ],
        )
    )
    return (band + zero + lines + optimum).properties(
        title=alt.TitleParams(
            "Expected net benefit of sampling (ENBS)",
            subtitle="ENBS = population EVSI − trial cost. Band: 95% interval; diamond: best.",
            anchor="start",
        ),
        height=400,
    )


def table_section(enbs) -> None:
    frame = enbs.to_frame()
    money_cols = ["population_evsi", "study_cost", "enbs", "enbs_lower", "enbs_upper"]
    labels = {
        "n": "Patients per arm",
        "population_evsi": "Population EVSI",
        "study_cost": "Trial cost",
        "enbs": "ENBS",
        "enbs_lower": "ENBS 95%: lower",
        "enbs_upper": "ENBS 95%: upper",
    }
    # text cells from the one formatting layer ("-£91,392", "—"); whole units in this detail
    # table so rows can be compared to the unit (the headline metrics above are compact)
    shown = fmt.table(
        frame[list(labels)],
        {"n": fmt.count}
        | {c: (lambda v: fmt.money(v, CURRENCY, compact=False)) for c in money_cols},
    )
    st.dataframe(shown.rename(columns=labels), hide_index=True)


def knobs() -> dict:
    st.subheader("Settings")
    setup = st.slider(
        f"Set-up cost of the trial ({CURRENCY})",
        0,
        5_000_000,
        500_000,
        step=50_000,
        format=f"{CURRENCY}%,d",
        key="setup_cost",
    )
    left, mid = st.columns(2)
    per_person = left.number_input(
        f"Cost per participant ({CURRENCY})",
        min_value=0,
        max_value=1_000_000,
        value=2_000,
        step=500,
        key="cost_per_participant",
    )
    wtp = mid.number_input(
        f"Willingness to pay ({CURRENCY} per QALY)",
        min_value=0,
        max_value=500_000,
        value=20_000,
        step=5_000,
        key="wtp",
    )
    st.markdown("**Who benefits from the decision**")
    left, mid, right = st.columns(3)
    population = left.number_input(
        "Patients treated per year", min_value=1, value=1_000, step=100, key="population"
    )
    horizon = mid.number_input(
        "Years the decision holds", min_value=1, max_value=100, value=10, key="horizon"
    )
    discount = right.number_input(
        "Discount rate per year (%)",
        min_value=0.0,
        max_value=20.0,
        value=3.5,
        step=0.5,
        key="discount",
    )
    return {
        "wtp": float(wtp),
        "enbs": {
            "population_per_year": float(population),
            "horizon_years": float(horizon),
            "discount_rate": discount / 100,
            "setup_cost": float(setup),
            "cost_per_participant": float(per_person),
        },
    }


# ---------------------------------------------------------------------- page
def main() -> None:
    st.title("Should we study more?")
    st.caption(
        "Is a new trial worth its cost before we decide, and how large should it be? The "
        "expected value of sample information (EVSI) against the trial's cost answers it."
    )
    with st.expander("The decision problem and the proposed trial", expanded=False):
        st.markdown(PROBLEM)
    rec_box = st.container(key="recommendation")
    evidence_box = st.container()
    with st.container(key="knobs"):
        settings = knobs()
    try:
        evsi, decision, notes = evsi_curve(settings["wtp"])
        enbs = dk.voi.enbs(evsi, **settings["enbs"])
    except ValidationError as exc:
        st.error(str(exc))
        return
    best = enbs.optimal.iloc[0]
    with rec_box:
        recommendation(best, decision, int(best["optimal_n"]) * 2)
    with evidence_box:
        st.subheader("Evidence")
        left, right = st.columns(2)
        right.altair_chart(evsi_chart(evsi, decision.evpi), width="stretch")
        left.altair_chart(enbs_chart(enbs, best), width="stretch")
        st.caption(
            f"EVPI per person {money(decision.evpi)}: no trial can be worth more per patient. "
            "The trial's value grows with its size but flattens, while its cost keeps rising."
        )
        for note in notes:
            st.caption(f"Note: {note}")
        table_section(enbs)


main()
