"""Is it cost-effective? CEA of a bundled PSA (Sick-Sicker Markov model) or uploaded draws.

The analysis lives in dk.cea.analyze (ICERs, CE plane, CEAC/CEAF, EVPI), dk.voi.evppi_each and
dk.voi.population_evpi; this page wires widgets to those calls and shows the results:
recommendation, evidence, knobs.
"""

from __future__ import annotations

import warnings

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import decisionkit as dk
from decisionkit.exceptions import DecisionKitWarning, ValidationError
from decisionkit.io import DEFAULT_MAX_BYTES, read_outcomes_csv
from decisionkit.models.cohort.sick_sicker import sick_sicker_psa

N_DRAWS = 2_000  # bundled PSA: ~0.3 s to simulate once (cached), EVPPI ~0.2 s per wtp
SEED = 2026
N_GRID = 200  # wtp grid steps for the curves; the slider moves on the same grid
MAX_PLANE_POINTS = 1_000  # draws shown per strategy on the CE plane (all are analysed)
MAX_MB = DEFAULT_MAX_BYTES // 2**20
STATUS = {"ND": "On the frontier", "D": "Dominated", "ED": "Extendedly dominated"}
BUNDLED = (
    "the bundled Sick-Sicker Markov model (Alarid-Escudero et al. 2023, dampack): "
    f"{N_DRAWS:,} probabilistic sensitivity analysis draws, costs in US dollars and QALYs "
    "per person over a lifetime, discounted at 3% a year"
)


# ---------------------------------------------------------------------- data (cached)
@st.cache_resource(max_entries=1, show_spinner="Simulating the Sick-Sicker model…")
def bundled_psa() -> dk.OutcomeDistribution:
    """The bundled PSA: Sick-Sicker run on N_DRAWS parameter draws (seeded, so stable)."""
    return sick_sicker_psa(N_DRAWS, random_seed=SEED)


@st.cache_data(max_entries=8, show_spinner=False)
def read_upload(file_id: str, _upload, layout: str) -> dk.OutcomeDistribution:
    """The validated upload (keyed by Streamlit's file id and the layout)."""
    _upload.seek(0)
    return read_outcomes_csv(_upload, layout=layout)


@st.cache_resource(max_entries=16, show_spinner=False)
def analysis(key: str, _out: dk.OutcomeDistribution, cost: str, effect: str, wtp_max: int):
    """CEA on the whole wtp grid: curves, ICER table, CE plane (cached per data and metrics)."""
    grid = np.linspace(0, wtp_max, N_GRID + 1)
    return dk.cea.analyze(_out, cost=cost, effect=effect, wtp=grid)


@st.cache_resource(max_entries=64, show_spinner="Estimating the value of each parameter…")
def evppi_bars(key: str, _out: dk.OutcomeDistribution, cost: str, effect: str, wtp: float):
    """EVPPI of each varying PSA input at one wtp (GAM regression; cached per wtp).

    Without standard errors: they triple the time (~0.2 s instead of ~0.07 s per wtp).

    Returns the result, the number of fixed inputs left out and any library warnings.
    """
    u = dk.utility.net_monetary_benefit(effect=effect, cost=cost, wtp=wtp)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DecisionKitWarning)
        # by default evppi_each leaves out inputs that never vary (their EVPPI is 0)
        result = dk.voi.evppi_each(_out, u, se=False, random_seed=SEED)
    notes = [str(w.message) for w in caught if issubclass(w.category, DecisionKitWarning)]
    return result, len(_out.inputs.columns) - len(result.groups), notes


def data_source():
    """The uploaded file, or None for the bundled PSA."""
    with st.container(border=True):
        upload = st.file_uploader(
            f"Upload PSA draws as CSV (up to {MAX_MB} MB), or use the bundled Sick-Sicker model",
            type=["csv"],
            key="upload",
            help="Long layout: columns draw, action, cost, effect. Wide layout: one column per "
            "metric and action named metric:action (e.g. cost:Drug A).",
        )
    return upload


def load(upload) -> tuple[dk.OutcomeDistribution, str, str]:
    """The outcome draws, a cache key and a description of the source."""
    if upload is None:
        return bundled_psa(), "bundled", BUNDLED
    layout = st.selectbox(
        "CSV layout",
        ["auto", "long", "wide"],
        key="layout",
        help="auto: long when the file has an 'action' column, wide otherwise.",
    )
    out = read_upload(upload.file_id, upload, layout)
    return out, f"{upload.file_id}:{layout}", f"'{upload.name}'"


# ---------------------------------------------------------------------- sections
def recommendation(at_wtp: pd.Series, ce, wtp: int, money, effect: str, pop_evpi: float) -> None:
    """The answer first: the strategy with the highest expected net benefit and P(best)."""
    left, mid, right = st.columns(3)
    left.metric("Recommended strategy", at_wtp["strategy"])
    mid.metric(
        "Probability it is the most cost-effective",
        f"{at_wtp['prob_best']:.0%}",
        help="Share of the PSA draws in which it has the highest net benefit (the "
        "cost-effectiveness acceptability frontier at this willingness to pay).",
    )
    right.metric(
        "Population EVPI",
        money(pop_evpi),
        help="Expected value of perfect information for the population and horizon set below: "
        "the most that removing all uncertainty, and so any research, could be worth.",
    )
    switches = ce.switch_points()
    switches = switches[switches["in_grid"]]
    note = ""
    if len(switches):
        parts = [
            f"{row.from_strategy} → {row.to_strategy} at {money(row.wtp)}"
            for row in switches.itertuples()
        ]
        note = " The recommendation changes at " + "; ".join(parts) + f" per {effect}."
    st.markdown(
        f"At a willingness to pay of {money(wtp)} per {effect}, **{at_wtp['strategy']}** has "
        f"the highest expected net benefit; it is the most cost-effective strategy in "
        f"{at_wtp['prob_best']:.0%} of the {ce.n_draws:,} draws.{note}"
    )


def icer_section(ce, money_fmt: str, effect: str) -> None:
    st.markdown("**Incremental cost-effectiveness ratios**")
    table = ce.icers()
    table["status"] = table["status"].map(STATUS).fillna(table["status"])
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "strategy": "Strategy",
            "cost": st.column_config.NumberColumn("Mean cost", format=money_fmt),
            "effect": st.column_config.NumberColumn(f"Mean {effect}", format="%.3f"),
            "inc_cost": st.column_config.NumberColumn("Incremental cost", format=money_fmt),
            "inc_effect": st.column_config.NumberColumn(f"Incremental {effect}", format="%.3f"),
            "icer": st.column_config.NumberColumn(
                f"ICER (per {effect})",
                format=money_fmt,
                help="Incremental cost per extra unit of effect against the previous strategy "
                "on the frontier; blank for the cheapest and for dominated strategies.",
            ),
            "status": "Status",
        },
    )
    st.caption(
        "Strategies sorted by mean cost. Dominated: another strategy costs less and gives more. "
        "Extendedly dominated: a mix of two other strategies would do better."
    )


def ce_plane_chart(ce, wtp: int, currency: str, effect: str) -> alt.LayerChart:
    """Incremental cost vs effect draws against the reference, with the wtp line."""
    plane = ce.ce_plane()
    plane = plane[plane["draw"] < MAX_PLANE_POINTS]
    means = plane.groupby("strategy", sort=False)[["inc_effect", "inc_cost"]].mean().reset_index()
    x_lo, x_hi = min(plane["inc_effect"].min(), 0.0), max(plane["inc_effect"].max(), 0.0)
    line = pd.DataFrame({"inc_effect": [x_lo, x_hi], "inc_cost": [wtp * x_lo, wtp * x_hi]})
    x = alt.X("inc_effect:Q", title=f"Incremental {effect} vs {ce.reference}")
    y = alt.Y("inc_cost:Q", title=f"Incremental cost vs {ce.reference} ({currency})")
    color = strategy_color(ce)
    tips = [
        alt.Tooltip("strategy:N", title="Strategy"),
        alt.Tooltip("inc_effect:Q", title=f"Incremental {effect}", format=",.3f"),
        alt.Tooltip("inc_cost:Q", title=f"Incremental cost ({currency})", format=",.0f"),
    ]
    points = alt.Chart(plane).mark_circle(size=12, opacity=0.35).encode(x, y, color, tooltip=tips)
    centre = (
        alt.Chart(means)
        .mark_point(size=160, filled=True, shape="diamond", stroke="black", strokeWidth=1)
        .encode(x, y, color, tooltip=tips)
    )
    wtp_line = (
        alt.Chart(line)
        .mark_line(color="black", strokeDash=[6, 4])
        .encode(x, y, tooltip=[alt.Tooltip("inc_cost:Q", title="Cost at the wtp", format=",.0f")])
    )
    return (points + wtp_line + centre).properties(
        title=titled(
            "Cost-effectiveness plane",
            f"Diamonds: means. Below the dashed line ({currency}{wtp:,} per {effect}): "
            "cost-effective.",
        ),
        height=340,
    )


def ceac_chart(ce, wtp: int, currency: str, effect: str) -> alt.LayerChart:
    """CEAC per strategy, the CEAF as black dots, a rule at the chosen wtp."""
    ceac, ceaf = ce.ceac(), ce.ceaf()
    x = alt.X("wtp:Q", title=f"Willingness to pay ({currency} per {effect})")
    y = alt.Y(
        "probability:Q", title="Probability most cost-effective", scale=alt.Scale(domain=[0, 1])
    )
    tips = [
        alt.Tooltip("strategy:N", title="Strategy"),
        alt.Tooltip("wtp:Q", title=f"WTP ({currency})", format=",.0f"),
        alt.Tooltip("probability:Q", title="Probability", format=".1%"),
    ]
    curves = alt.Chart(ceac).mark_line(strokeWidth=2).encode(x, y, strategy_color(ce), tooltip=tips)
    frontier = (
        alt.Chart(ceaf)
        .mark_line(color="black", strokeWidth=7, opacity=0.18)
        .encode(
            x, y, tooltip=[*tips, alt.Tooltip("expected_nb:Q", title="Expected NB", format=",.0f")]
        )
    )
    return (frontier + curves + wtp_rule(wtp)).properties(
        title=titled(
            "Acceptability curves and frontier",
            "Grey band: frontier, the probability of the strategy with the highest expected "
            "net benefit.",
        ),
        height=340,
    )


def evpi_charts(ce, wtp: int, currency: str, effect: str, pop: dict) -> list[alt.LayerChart]:
    """EVPI per person and for the population, against wtp (two charts)."""
    frame = ce.evpi.reset_index()
    frame["population"] = dk.voi.population_evpi(frame["evpi"].to_numpy(), **pop)
    x = alt.X("wtp:Q", title=f"Willingness to pay ({currency} per {effect})")
    tips = [
        alt.Tooltip("wtp:Q", title=f"WTP ({currency})", format=",.0f"),
        alt.Tooltip("evpi:Q", title=f"EVPI per person ({currency})", format=",.0f"),
        alt.Tooltip("population:Q", title=f"Population EVPI ({currency})", format=",.0f"),
    ]
    person = (
        alt.Chart(frame)
        .mark_line()
        .encode(x, alt.Y("evpi:Q", title=f"EVPI per person ({currency})"), tooltip=tips)
        .properties(
            title=titled("EVPI per person", "Expected value of perfect information"),
            height=280,
        )
    )
    population = (
        alt.Chart(frame)
        .mark_line(color="#e15759")
        .encode(
            x,
            alt.Y(
                "population:Q", title=f"Population EVPI ({currency})", axis=alt.Axis(format="~s")
            ),
            tooltip=tips,
        )
        .properties(
            title=titled(
                "Population EVPI",
                f"{pop['population_per_year']:,.0f} people a year for {pop['horizon_years']:g} "
                f"years, discounted at {pop['discount_rate']:.1%}",
            ),
            height=280,
        )
    )
    return [person + wtp_rule(wtp), population + wtp_rule(wtp)]


def evppi_chart(result, currency: str, pop: dict) -> alt.LayerChart:
    """EVPPI per parameter, largest first, with the EVPI as a reference rule."""
    frame = result.to_frame()
    frame["population"] = dk.voi.population_evpi(frame["evppi"].to_numpy(), **pop)
    evpi_value = float(frame["evpi"].iloc[0])
    frame["share"] = frame["evppi"] / evpi_value if evpi_value > 0 else 0.0
    y = alt.Y("parameters:N", title="Parameter", sort="-x", axis=alt.Axis(labelOverlap=False))
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            alt.X("evppi:Q", title=f"EVPPI per person ({currency})"),
            y,
            tooltip=[
                alt.Tooltip("parameters:N", title="Parameter"),
                alt.Tooltip("evppi:Q", title=f"EVPPI per person ({currency})", format=",.0f"),
                alt.Tooltip("share:Q", title="Share of EVPI", format=".0%"),
                alt.Tooltip("population:Q", title=f"Population ({currency})", format=",.3s"),
            ],
        )
    )
    evpi = (
        alt.Chart(pd.DataFrame({"evpi": [evpi_value]}))
        .mark_rule(color="black", strokeDash=[6, 4])
        .encode(alt.X("evpi:Q"), tooltip=[alt.Tooltip("evpi:Q", title="EVPI", format=",.0f")])
    )
    return (bars + evpi).properties(
        title=titled(
            "Value of learning each parameter exactly (EVPPI)",
            "Dashed line: EVPI, the value of learning all parameters together.",
        ),
        height=alt.Step(22),
    )


def strategy_color(ce) -> alt.Color:
    """The same colour for a strategy on every chart (domain: all strategies in input order)."""
    return alt.Color(
        "strategy:N",
        title="Strategy",
        scale=alt.Scale(domain=list(ce.strategies), scheme="tableau10"),
        legend=alt.Legend(orient="right"),
    )


def titled(text: str, subtitle: str) -> str:
    """Chart title (Streamlit shows it on one line); the subtitle goes in a caption below."""
    return text


def wtp_rule(wtp: int) -> alt.Chart:
    return (
        alt.Chart(pd.DataFrame({"wtp": [wtp]}))
        .mark_rule(color="grey", strokeDash=[2, 2])
        .encode(alt.X("wtp:Q"), tooltip=[alt.Tooltip("wtp:Q", title="Chosen WTP", format=",.0f")])
    )


def metric_knobs(out: dk.OutcomeDistribution, bundled: bool) -> tuple[str, str, str]:
    """Cost and effect metrics and the currency symbol."""
    if bundled:
        return "cost", "qaly", "$"  # the effect label is shown as "QALY"
    left, mid, right = st.columns(3)
    metrics = out.metrics
    cost = left.selectbox("Cost metric", metrics, index=_index(metrics, "cost", 0), key="cost")
    effect = mid.selectbox(
        "Effect metric (e.g. QALYs)", metrics, index=_index(metrics, "qaly", 1), key="effect"
    )
    currency = right.text_input("Currency", "$", key="currency", max_chars=5)
    if len(metrics) < 2:
        raise ValidationError(
            f"The file has one metric ({metrics[0]!r}); cost-effectiveness needs a cost and an "
            "effect column (e.g. cost and qaly)."
        )
    if cost == effect:
        raise ValidationError("Choose different metrics for the cost and the effect.")
    return cost, effect, currency


def _index(options: list[str], preferred: str, fallback: int) -> int:
    return options.index(preferred) if preferred in options else min(fallback, len(options) - 1)


# ---------------------------------------------------------------------- page
def main() -> None:
    st.title("Is it cost-effective?")
    st.caption(
        "Which strategy gives the most health for the money at your willingness to pay, how "
        "sure can we be, and which uncertainty would be worth resolving?"
    )
    upload = data_source()
    try:
        out, key, source = load(upload)
    except ValidationError as exc:
        st.error(f"This file cannot be used. {exc}")
        return
    st.caption(
        f"Data: {source}; strategies {', '.join(out.actions)}; metrics {', '.join(out.metrics)}."
    )
    rec_box = st.container(key="recommendation")
    evidence_box = st.container()
    with st.container(key="knobs"):
        st.subheader("Settings")
        try:
            cost, effect, currency = metric_knobs(out, upload is None)
        except ValidationError as exc:
            st.error(str(exc))
            return
        unit = "QALY" if effect.lower() == "qaly" else effect  # for labels only
        wtp_max = st.number_input(
            f"Largest willingness to pay shown ({currency} per {unit})",
            min_value=1_000,
            max_value=10_000_000,
            value=200_000,
            step=10_000,
            key="wtp_max",
        )
        step = int(wtp_max) // N_GRID
        wtp = st.slider(
            f"Willingness to pay ({currency} per {unit})",
            0,
            step * N_GRID,
            min(100_000 // step * step, step * N_GRID),
            step=step,
            format=f"{currency}%,d",
            key="wtp",
        )
        st.markdown("**Population for the value of information**")
        left, mid, right = st.columns(3)
        pop = {
            "population_per_year": left.number_input(
                "People affected per year", min_value=1, value=10_000, step=1_000, key="population"
            ),
            "horizon_years": mid.number_input(
                "Years the decision holds", min_value=1, max_value=100, value=10, key="horizon"
            ),
            "discount_rate": right.number_input(
                "Discount rate per year (%)",
                min_value=0.0,
                max_value=20.0,
                value=3.0,
                step=0.5,
                key="discount",
            )
            / 100,
        }
    try:
        ce = analysis(key, out, cost, effect, int(wtp_max))
        ceaf = ce.ceaf().set_index("wtp")
        at_wtp = ceaf.iloc[ceaf.index.get_indexer([wtp], method="nearest")[0]]
        evpi_now = ce.evpi
        evpi_now = float(evpi_now.iloc[evpi_now.index.get_indexer([wtp], method="nearest")[0]])
    except ValidationError as exc:
        st.error(f"These draws cannot be analysed. {exc}")
        return

    def money(v: float) -> str:
        return f"{currency}{v:,.0f}"

    pop_evpi = float(dk.voi.population_evpi(evpi_now, **pop))
    money_fmt = f"{currency}%,.0f"
    with rec_box:
        recommendation(at_wtp, ce, wtp, money, unit, pop_evpi)
    with evidence_box:
        st.subheader("Evidence")
        icer_section(ce, money_fmt, unit)
        left, right = st.columns(2)
        left.altair_chart(ce_plane_chart(ce, wtp, currency, unit), width="stretch")
        left.caption(
            f"Each dot is one PSA draw against {ce.reference}; diamonds are the means. Below the "
            f"dashed line (a willingness to pay of {money(wtp)} per {unit}) a strategy is "
            f"cost-effective against {ce.reference}."
        )
        right.altair_chart(ceac_chart(ce, wtp, currency, unit), width="stretch")
        right.caption(
            "Probability that each strategy has the highest net benefit. Grey band: the "
            "frontier, the strategy with the highest expected net benefit (the recommendation). "
            "Dotted: the chosen willingness to pay."
        )
        st.subheader("Value of information")
        st.caption(
            f"EVPI at {money(wtp)} per {unit}: {money(evpi_now)} per person, {money(pop_evpi)} "
            f"for the population ({pop['population_per_year']:,} people a year for "
            f"{pop['horizon_years']} years, discounted at {pop['discount_rate']:.1%} a year). "
            "Research costing more than this cannot pay off. Dotted: the chosen willingness to pay."
        )
        for column, chart in zip(
            st.columns(2), evpi_charts(ce, wtp, currency, unit, pop), strict=True
        ):
            column.altair_chart(chart, width="stretch")
        if out.inputs is None:
            st.info(
                "The value of learning each parameter (EVPPI) needs the input parameter draws "
                "behind the outcomes; uploaded files carry outcomes only."
            )
        else:
            try:
                result, n_fixed, notes = evppi_bars(key, out, cost, effect, float(wtp))
            except ValidationError as exc:
                st.error(f"EVPPI cannot be estimated here. {exc}")
            else:
                st.altair_chart(evppi_chart(result, currency, pop), width="stretch")
                st.caption(
                    f"EVPPI per person of each parameter at {money(wtp)} per {unit} (GAM "
                    "regression, Strong et al. 2014); dashed line: the EVPI, the value of "
                    f"learning all parameters together. {n_fixed} fixed inputs have no "
                    "uncertainty and are left out."
                )
                for note in notes:
                    st.caption(f"Note: {note}")
        st.download_button(  # built by dk.report only when clicked
            "Download the HTML report (with the CHEERS 2022 checklist)",
            data=lambda: dk.report.report_html(
                out, wtp=float(wtp), cost=cost, effect=effect, currency=currency, effect_unit=unit
            ),
            file_name="cost_effectiveness_report.html",
            mime="text/html",
            key="report_download",
        )


main()
