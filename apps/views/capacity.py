"""Capacity planning: how many admission slots to plan per day for the next two weeks.

Demand draws come from the bundled CountDemand posterior (dk.datasets.load_admissions_model;
no sampling) or, on request, from a refit on dk.datasets.load_admissions(); the plan from
dk.capacity.plan_capacity. This page wires widgets to those calls and shows the results.
"""

from __future__ import annotations

import time

import altair as alt
import pandas as pd
import streamlit as st
from _layout import currency

import decisionkit as dk
from decisionkit.exceptions import ValidationError

HORIZON = 14  # days
SEED = 2026
HISTORY_DAYS = 28  # observed days shown before the forecast
BUNDLED, REFIT = "bundled", "refit"
REFIT_SETTINGS = {"draws": 1000, "tune": 1000, "chains": 2, "cores": 1, "random_seed": 7}
UNIT = "admission slots"
CURRENCY = currency()  # the sidebar choice (this script reruns on every change)


# ---------------------------------------------------------------------- model (cached)
@st.cache_resource(max_entries=1, show_spinner="Loading the demand model…")
def bundled_model():
    """The CountDemand posterior shipped with the package (no sampling)."""
    return dk.datasets.load_admissions_model()


@st.cache_resource(max_entries=1, show_spinner=False)
def refit_model():
    """CountDemand refitted on the bundled admissions (PyMC; cached for the server's life)."""
    from decisionkit.models.bayes.demand import CountDemand

    model = CountDemand(progressbar=False, **REFIT_SETTINGS)
    return model.fit(dk.datasets.load_admissions(), date="date", count="admissions")


@st.cache_resource(max_entries=2, show_spinner=False)
def forecast(source: str):
    """Demand draws for the next HORIZON days, dims (draw, date)."""
    model = refit_model() if source == REFIT else bundled_model()
    return model.forecast(HORIZON, random_seed=SEED)


@st.cache_resource(max_entries=64, show_spinner=False)
def capacity_plan(source: str, *, shortage_cost: float, idle_cost: float, cvar_alpha: float):
    """The plan for one set of costs (cached: revisiting a setting is instant)."""
    return dk.capacity.plan_capacity(
        forecast(source), shortage_cost=shortage_cost, idle_cost=idle_cost, cvar_alpha=cvar_alpha
    )


@st.cache_data(max_entries=1, show_spinner=False)
def history() -> pd.DataFrame:
    """The last HISTORY_DAYS observed days."""
    return dk.datasets.load_admissions().tail(HISTORY_DAYS)


def _set_source(source: str) -> None:
    st.session_state["model_source"] = source  # button callback: runs before the rerun


def model_source() -> str:
    """Which posterior to use; the button refits once (cached) with visible progress."""
    with st.container(border=True):
        left, right = st.columns([3, 1])
        source = st.session_state.get("model_source", BUNDLED)
        if source == BUNDLED:
            right.button(
                "Refit the model",
                key="refit",
                help="Sample the posterior again.",
                on_click=_set_source,
                args=(REFIT,),
            )
        else:
            right.button(
                "Use the shipped posterior",
                key="use_bundled",
                on_click=_set_source,
                args=(BUNDLED,),
            )
        source = st.session_state.get("model_source", BUNDLED)
        if source == REFIT:
            with st.status("Refitting the demand model…", expanded=False) as status:
                st.write(
                    f"Sampling {REFIT_SETTINGS['chains']} chains × {REFIT_SETTINGS['draws']} "
                    f"draws after {REFIT_SETTINGS['tune']} tuning steps with PyMC "
                    "(the first fit takes 10 to 20 seconds; later runs reuse it)."
                )
                t0 = time.perf_counter()
                model = refit_model()
                seconds = time.perf_counter() - t0
                label = (
                    f"Model refitted in {seconds:.0f} s"
                    if seconds > 0.5
                    else "Using the refitted model (fitted earlier, cached)"
                )
                status.update(label=label, state="complete")
            diag = getattr(model, "diagnostics_", {}) or {}
            left.caption(f"Forecast from the refitted posterior. {diagnostics_text(diag)}")
        else:
            left.caption(
                "Forecast from the posterior shipped with the app: a negative-binomial model of "
                "daily admissions with weekday effects and a trend, fitted to two years of "
                "(synthetic) hospital admissions, 2 chains × 1,000 draws, max r-hat 1.003, no "
                "divergences. Refit it to check."
            )
    return source


def diagnostics_text(diag: dict) -> str:
    """Plain-words convergence summary of a fit's diagnostics."""
    if not diag:
        return ""
    parts = []
    if "max_rhat" in diag:
        ok = diag["max_rhat"] <= dk.models.RHAT_MAX
        parts.append(
            f"max r-hat {diag['max_rhat']:.3f} "
            f"({'the chains agree' if ok else 'the chains disagree: do not trust the forecast'})"
        )
    if "min_ess_bulk" in diag:
        parts.append(f"smallest effective sample size {diag['min_ess_bulk']:,.0f}")
    if "n_divergences" in diag:
        parts.append(f"{int(diag['n_divergences'])} divergent transitions")
    return "Diagnostics: " + ", ".join(parts) + "." if parts else ""


# ---------------------------------------------------------------------- sections
def recommendation(plan, table: pd.DataFrame) -> None:
    """The answer first: tomorrow's capacity, its shortage risk, the CVaR alternative."""
    first = table.iloc[0]
    day = first["date"].strftime("%a %d %b")
    left, mid, right = st.columns(3)
    left.metric(
        f"Recommended capacity, {day}",
        f"{int(first['capacity'])} slots",
        help=f"Number of {UNIT} (staffed beds for new patients) to plan for that day.",
    )
    mid.metric(
        "Probability of a shortage",
        f"{first['prob_shortage']:.0%}",
        help="Chance that demand exceeds the recommended capacity on that day.",
    )
    right.metric(
        "Risk-averse alternative (CVaR)",
        f"{int(first['cvar_capacity'])} slots",
        help=f"Minimises the mean cost of the worst {plan.cvar_alpha:.0%} of days; shortage "
        f"probability {first['cvar_prob_shortage']:.0%}.",
    )
    extra = int((table["cvar_capacity"] - table["capacity"]).mean().round())
    if extra > 0:
        averse = f"adds {extra} slot(s) a day on average to guard against bad days"
    elif extra < 0:
        averse = (
            f"plans {-extra} slot(s) a day fewer on average: here the costly tail is paying "
            "for idle slots"
        )
    else:
        averse = "plans about the same capacity"
    st.markdown(
        f"Over the next {HORIZON} days plan **{int(table['capacity'].min())} to "
        f"{int(table['capacity'].max())} {UNIT} a day** (busiest on "
        f"{table.loc[table['capacity'].idxmax(), 'date'].strftime('%A')}s). Each day this "
        f"covers demand with probability about {plan.critical_fractile:.0%}, the ratio of the "
        f"shortage cost to the sum of both costs. The risk-averse plan {averse}, with a "
        f"shortage probability of about {table['cvar_prob_shortage'].mean():.0%}."
    )


def fan_chart(table: pd.DataFrame, observed: pd.DataFrame) -> alt.LayerChart:
    """Observed admissions, forecast mean with 90% band, and the two capacity plans."""
    x = alt.X("date:T", title="Date", axis=alt.Axis(format="%d %b"))
    y_title = "Admissions per day (patients)"
    past = (
        alt.Chart(observed)
        .mark_line(point=alt.OverlayMarkDef(size=15), color="#555")
        .encode(
            x,
            alt.Y("admissions:Q", title=y_title),
            tooltip=[
                alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
                alt.Tooltip("admissions:Q", title="Observed admissions"),
            ],
        )
    )
    tips = [
        alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
        alt.Tooltip("demand_mean:Q", title="Expected admissions", format=".1f"),
        alt.Tooltip("demand_q05:Q", title="5% quantile", format=".0f"),
        alt.Tooltip("demand_q95:Q", title="95% quantile", format=".0f"),
        alt.Tooltip("capacity:Q", title="Recommended capacity"),
        alt.Tooltip("prob_shortage:Q", title="P(shortage)", format=".0%"),
        alt.Tooltip("cvar_capacity:Q", title="Risk-averse capacity"),
    ]
    band = (
        alt.Chart(table)
        .mark_area(opacity=0.25, color="#4e79a7")
        .encode(x, alt.Y("demand_q05:Q", title=y_title), alt.Y2("demand_q95:Q"), tooltip=tips)
    )
    mean = alt.Chart(table).mark_line(color="#4e79a7").encode(x, alt.Y("demand_mean:Q"))
    plans = table.melt(
        id_vars=["date"], value_vars=["capacity", "cvar_capacity"], var_name="plan"
    ).replace({"plan": {"capacity": "Recommended", "cvar_capacity": "Risk-averse (CVaR)"}})
    steps = (
        alt.Chart(plans)
        .mark_line(interpolate="step-after", strokeWidth=2)
        .encode(
            x,
            alt.Y("value:Q"),
            alt.Color(
                "plan:N",
                title="Capacity plan",
                scale=alt.Scale(range=["#e15759", "#f28e2b"]),
                legend=alt.Legend(orient="bottom"),
            ),
            alt.StrokeDash("plan:N", legend=None),
            tooltip=[
                alt.Tooltip("date:T", title="Date", format="%a %d %b"),
                alt.Tooltip("plan:N", title="Plan"),
                alt.Tooltip("value:Q", title=f"Capacity ({UNIT})"),
            ],
        )
    )
    return (past + band + mean + steps).properties(
        title="Admissions: last 4 weeks observed (grey), forecast mean with 90% band (blue), "
        "and capacity plans",
        height=380,
    )


def plan_table(table: pd.DataFrame) -> None:
    money = f"{CURRENCY}%,.0f"
    # probabilities shown as percentages with one decimal in every row ("22.0%", not "22%"
    # beside "18.6%", which Streamlit's "percent" format gives)
    frame = table.assign(
        day=table["date"].dt.strftime("%a %d %b"),
        prob_shortage=100 * table["prob_shortage"],
        cvar_prob_shortage=100 * table["cvar_prob_shortage"],
    )
    st.dataframe(
        frame[
            [
                "day",
                "capacity",
                "prob_shortage",
                "expected_shortage",
                "expected_idle",
                "expected_cost",
                "cvar_capacity",
                "cvar_prob_shortage",
                "cvar_expected_cost",
                "demand_mean",
                "demand_q05",
                "demand_q95",
            ]
        ],
        hide_index=True,
        column_config={
            "day": "Day",
            "capacity": st.column_config.NumberColumn("Capacity", format="%d"),
            "prob_shortage": st.column_config.NumberColumn("P(shortage)", format="%.1f%%"),
            "expected_shortage": st.column_config.NumberColumn(
                "Expected patients without a slot", format="%.2f"
            ),
            "expected_idle": st.column_config.NumberColumn("Expected idle slots", format="%.2f"),
            "expected_cost": st.column_config.NumberColumn("Expected cost", format=money),
            "cvar_capacity": st.column_config.NumberColumn("Risk-averse capacity", format="%d"),
            "cvar_prob_shortage": st.column_config.NumberColumn(
                "Risk-averse P(shortage)", format="%.1f%%"
            ),
            "cvar_expected_cost": st.column_config.NumberColumn(
                "Risk-averse expected cost", format=money
            ),
            "demand_mean": st.column_config.NumberColumn("Expected admissions", format="%.1f"),
            "demand_q05": st.column_config.NumberColumn("Admissions 5%", format="%d"),
            "demand_q95": st.column_config.NumberColumn("Admissions 95%", format="%d"),
        },
    )


def knobs() -> dict:
    st.subheader("Settings")
    shortage = st.slider(
        f"Cost of a shortage ({CURRENCY} per patient without a slot)",
        50,
        5_000,
        1_000,
        step=50,
        format=f"{CURRENCY}%,d",
        key="shortage_cost",
        help="E.g. the cost of transferring or boarding a patient.",
    )
    left, right = st.columns(2)
    idle = left.number_input(
        f"Cost of an idle slot ({CURRENCY} per unused slot per day)",
        min_value=1,
        max_value=100_000,
        value=300,
        step=50,
        key="idle_cost",
    )
    alpha = right.select_slider(
        "Risk-averse plan guards against the worst",
        options=[0.01, 0.05, 0.1, 0.2, 0.3],
        value=0.1,
        format_func=lambda a: f"{a:.0%} of days",
        key="cvar_alpha",
    )
    return {"shortage_cost": float(shortage), "idle_cost": float(idle), "cvar_alpha": alpha}


# ---------------------------------------------------------------------- page
def main() -> None:
    st.title("Capacity planning")
    st.caption(
        "How many admission slots (staffed beds for new patients) should we plan each day of "
        "the next two weeks, given forecast demand and what a shortage and an idle slot cost?"
    )
    source = model_source()
    rec_box = st.container(key="recommendation")
    evidence_box = st.container()
    with st.container(key="knobs"):
        settings = knobs()
    try:
        plan = capacity_plan(source, **settings)
    except ValidationError as exc:
        st.error(str(exc))
        return
    table = plan.to_frame()
    with rec_box:
        recommendation(plan, table)
    with evidence_box:
        st.subheader("Evidence")
        st.altair_chart(fan_chart(table, history()), width="stretch")
        st.caption(
            f"{plan.n_draws:,} posterior-predictive draws per day. The recommended capacity is "
            f"the {plan.critical_fractile:.0%} quantile of demand (the newsvendor rule); the "
            f"risk-averse plan minimises the mean cost over the worst {plan.cvar_alpha:.0%} of "
            "draws (conditional value at risk)."
        )
        plan_table(table)


main()
