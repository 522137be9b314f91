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
from _charts import ceac_chart, strategy_color, wtp_rule
from _data import digest, psa_upload, session_cached, thinned, uploader
from _drivers import drivers_section
from _layout import csv_download, currency, safe, show_error, show_spec, spec

import decisionkit as dk
from decisionkit import formatting as fmt
from decisionkit.exceptions import DecisionKitWarning, ValidationError
from decisionkit.models.cohort.sick_sicker import sick_sicker_psa

N_DRAWS = 2_000  # bundled PSA: ~0.3 s to simulate once (cached), EVPPI ~0.2 s per wtp
SEED = 2026
N_GRID = 200  # wtp grid steps for the curves; the slider moves on the same grid
MAX_PLANE_POINTS = 1_000  # draws shown per strategy on the CE plane (all are analysed)
EVPPI_DRAWS = 20_000  # EVPPI regression on at most this many evenly spaced draws
EVPPI_EVERY = 5  # EVPPI at every 5th wtp of the grid (41 values), nearest to the slider
STATUS = {"ND": "On the frontier", "D": "Dominated", "ED": "Extendedly dominated"}
BUNDLED = (
    "the bundled Sick-Sicker Markov model (Alarid-Escudero et al. 2023, dampack): "
    f"{N_DRAWS:,} probabilistic sensitivity analysis draws, costs (US dollars in the source) "
    "and QALYs per person over a lifetime, discounted at 3% a year"
)


# ---------------------------------------------------------------------- data (cached)
@st.cache_resource(max_entries=1, show_spinner="Simulating the Sick-Sicker model…")
def bundled_psa() -> dk.OutcomeDistribution:
    """The bundled PSA: Sick-Sicker run on N_DRAWS parameter draws (seeded, so stable)."""
    return sick_sicker_psa(N_DRAWS, random_seed=SEED)


def analysis(key, out: dk.OutcomeDistribution, cost: str, effect: str, wtp_max: int) -> dict:
    """CEA on the whole wtp grid and every table the page shows, once per data and metrics.

    The slider then only looks values up: nothing is recomputed over the draws per step.
    """

    def compute() -> dict:
        grid = np.linspace(0, wtp_max, N_GRID + 1)
        ce = dk.cea.analyze(out, cost=cost, effect=effect, wtp=grid)
        plane = ce.ce_plane()
        step = max(1, out.n_draws // MAX_PLANE_POINTS)
        return {
            "ce": ce,
            "ceac": ce.ceac(),
            "ceaf": ce.ceaf(),
            "evpi": ce.evpi.rename("evpi").reset_index(),
            "icers": ce.icers(),
            "switches": ce.switch_points(),
            "plane": plane[plane["draw"] % step == 0],
        }

    return session_cached(("cea", key, cost, effect, wtp_max), compute)


def evppi_grid(key, out: dk.OutcomeDistribution, cost: str, effect: str, wtp_max: int):
    """EVPPI of each varying PSA input at every EVPPI wtp (GAM regression; once per data).

    One dk.voi.evppi_each call on the EVPPI_EVERY-th values of the wtp grid: the regression
    of each parameter is fitted for all wtp values at once (its basis and factorisation are
    shared; the smoothing is chosen per wtp, as one call per wtp would), so the slider only
    looks values up. Without standard errors: they triple the time.

    Returns the result, the number of fixed inputs left out and any library warnings.
    """

    def compute():
        sample = thinned(out, EVPPI_DRAWS, key)
        return _evppi_on_grid(sample, cost, effect, wtp_max)

    if key == "bundled":
        return _bundled_evppi(cost, effect, wtp_max)
    return session_cached(("evppi", key, cost, effect, wtp_max), compute)


def _evppi_on_grid(out: dk.OutcomeDistribution, cost: str, effect: str, wtp_max: int):
    grid_step = EVPPI_EVERY * (wtp_max // N_GRID)
    grid = np.arange(N_GRID // EVPPI_EVERY + 1) * float(grid_step)
    u = dk.utility.net_monetary_benefit(effect=effect, cost=cost, wtp=grid)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DecisionKitWarning)
        # by default evppi_each leaves out inputs that never vary (their EVPPI is 0)
        result = dk.voi.evppi_each(out, u, se=False, random_seed=SEED)
    notes = [str(w.message) for w in caught if issubclass(w.category, DecisionKitWarning)]
    return result, len(out.inputs.columns) - len(result.groups), notes


@st.cache_resource(max_entries=4, show_spinner="Estimating the value of each parameter…")
def _bundled_evppi(cost: str, effect: str, wtp_max: int):
    """EVPPI grid of the bundled PSA (shared by every session: no user data)."""
    return _evppi_on_grid(bundled_psa(), cost, effect, wtp_max)


def data_source():
    """The uploaded file, or None for the bundled PSA."""
    with st.container(border=True):
        upload = uploader(
            "Upload PSA draws, or use the bundled Sick-Sicker model",
            key="upload",
            help="Long layout: columns draw, action, cost, qaly. Wide layout: columns "
            "cost:<strategy>, qaly:<strategy>. Any other numeric column is read as a PSA "
            "parameter, for the value of learning it (EVPPI). You check the mapping before "
            "any result.",
        )
    return upload


# ---------------------------------------------------------------------- sections
def recommendation(at_wtp: pd.Series, res: dict, wtp: int, money, effect: str, pop_evpi) -> None:
    """The answer first: the strategy with the highest expected net benefit and P(best)."""
    left, mid, right = st.columns(3)
    left.metric("Recommended strategy", safe(at_wtp["strategy"]))
    mid.metric(
        "Probability it is the most cost-effective",
        fmt.percent(at_wtp["prob_best"]),
        help="Share of the PSA draws in which it has the highest net benefit (the "
        "cost-effectiveness acceptability frontier at this willingness to pay).",
    )
    right.metric(
        "Population EVPI",
        money(pop_evpi),
        help="Expected value of perfect information for the population and horizon set below: "
        "the most that removing all uncertainty, and so any research, could be worth.",
    )
    switches = res["switches"]
    switches = switches[switches["in_grid"]]
    note = ""
    if len(switches):
        parts = [
            f"{safe(row.from_strategy)} → {safe(row.to_strategy)} at {money(row.wtp)}"
            for row in switches.itertuples()
        ]
        note = " The recommendation changes at " + "; ".join(parts) + f" per {safe(effect)}."
    st.markdown(
        f"At a willingness to pay of {money(wtp)} per {safe(effect)}, "
        f"**{safe(at_wtp['strategy'])}** has the highest expected net benefit; it is the most "
        f"cost-effective strategy in {fmt.percent(at_wtp['prob_best'])} of the "
        f"{fmt.count(res['ce'].n_draws)} draws.{note}"
    )


def icer_section(table: pd.DataFrame, money, effect: str) -> None:
    st.markdown("**Incremental cost-effectiveness ratios**")
    table = table.assign(status=table["status"].map(STATUS).fillna(table["status"]))
    shown = fmt.table(
        table,
        {
            "cost": money,
            "effect": lambda v: fmt.fixed(v, 3),
            "inc_cost": money,
            "inc_effect": lambda v: fmt.fixed(v, 3),
            "icer": money,
        },
    ).rename(
        columns={
            "strategy": "Strategy",
            "cost": "Mean cost",
            "effect": f"Mean {effect}",
            "inc_cost": "Incremental cost",
            "inc_effect": f"Incremental {effect}",
            "icer": f"ICER (per {effect})",
            "status": "Status",
        }
    )
    st.dataframe(shown, hide_index=True)
    st.caption(
        "Strategies sorted by mean cost. ICER: incremental cost per extra unit of effect "
        "against the previous strategy on the frontier; — for the cheapest and for dominated "
        "strategies. Dominated: another strategy costs less and gives more. Extendedly "
        "dominated: a mix of two other strategies would do better."
    )
    csv_download(table, "icers.csv", "Download the ICER table as CSV")


# ---------------------------------------------------------------------- reference (issue 20)
QUADRANT = {
    "NE": "More effective, costlier",
    "SE": "Dominates",
    "NW": "Dominated",
    "SW": "Less effective, cheaper",
}


def reference_section(res: dict, wtp: float, money, effect: str, key) -> None:
    """Every strategy against one chosen reference: ICER, EIB with its 95% interval, P(better).

    dk.cea.incremental on the page's analysis (BCEA's ``ref=``), made once per data set and
    reference; each wtp only evaluates its EIB. The ICER is shown only where it is a price
    (more effective and costlier) or a saving per unit of effect given up.
    """
    ce = res["ce"]
    st.markdown("**Compared with one strategy**")
    reference = st.selectbox(
        "Compare every strategy with",
        ce.strategies,
        index=ce.strategies.index(ce.reference),
        key="reference",
        help="The reference strategy (BCEA's ref): each other strategy's extra cost and "
        "effect, ICER and incremental net benefit are computed against it.",
    )
    inc, summary = session_cached(
        ("incremental", key, ce.cost_name, ce.effect_name, ce.wtp[-1], reference),
        lambda: _incremental(ce, reference),
    )
    table = summary.merge(inc.eib(wtp=[float(wtp)]), on="strategy")
    priced = table["quadrant"].isin(["NE", "SW"])
    table = table.assign(
        icer=table["icer"].where(priced),
        quadrant=table["quadrant"].map(QUADRANT),
        eib=[
            f"{money(m)} ({money(lo)} to {money(hi)})"
            for m, lo, hi in zip(table["eib"], table["lower"], table["upper"], strict=True)
        ],
    )
    columns = ["strategy", "quadrant", "inc_cost", "inc_effect", "icer", "eib", "prob_positive"]
    shown = fmt.table(
        table[columns],
        {
            "inc_cost": money,
            "inc_effect": lambda v: fmt.fixed(v, 3),
            "icer": money,
            "prob_positive": fmt.percent,
        },
    ).rename(
        columns={
            "strategy": "Strategy",
            "quadrant": f"Against {reference}",
            "inc_cost": "Extra cost",
            "inc_effect": f"Extra {effect}",
            "icer": f"ICER (per {effect})",
            "eib": f"Net benefit gain at {money(wtp)} (95%)",
            "prob_positive": "Chance better",
        }
    )
    st.dataframe(shown, hide_index=True, key="reference_table")
    st.caption(
        f"Each strategy minus {safe(reference)}: mean extra cost and {safe(effect)} (negative: "
        "less), their ratio (ICER; — where one strategy dominates the other), and the "
        f"incremental net benefit at {money(wtp)} per {safe(effect)}, with the central 95% of "
        "the PSA draws and the share of draws in which it is positive (chance better)."
    )


def _incremental(ce, reference: str):
    inc = dk.cea.incremental(ce, reference=reference)
    return inc, inc.summary


def wtp_line(res: dict, wtp: float) -> list[dict]:
    """The two ends of the wtp line on the CE plane (the chart's named dataset)."""
    plane = res["plane"]
    x_lo, x_hi = min(plane["inc_effect"].min(), 0.0), max(plane["inc_effect"].max(), 0.0)
    return [{"inc_effect": x, "inc_cost": wtp * x} for x in (x_lo, x_hi)]


def ce_plane_chart(res: dict, currency: str, effect: str) -> alt.LayerChart:
    """Incremental cost vs effect draws against the reference, with the wtp line.

    The line is the named dataset ``wtp_line`` (:func:`wtp_line`), so the spec is built once.
    """
    ce, plane = res["ce"], res["plane"]
    means = plane.groupby("strategy", sort=False)[["inc_effect", "inc_cost"]].mean().reset_index()
    x = alt.X("inc_effect:Q", title=f"Incremental {effect} vs {ce.reference}")
    y = alt.Y(
        "inc_cost:Q",
        title=f"Incremental cost vs {ce.reference} ({currency})",
        axis=alt.Axis(format=",~r"),
    )
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
        alt.Chart(alt.NamedData("wtp_line"))
        .mark_line(color="black", strokeDash=[6, 4])
        .encode(x, y, tooltip=[alt.Tooltip("inc_cost:Q", title="Cost at the wtp", format=",.0f")])
    )
    return (points + wtp_line + centre).properties(title="Cost-effectiveness plane", height=340)


def evpi_charts(res: dict, currency: str, effect: str, pop: dict) -> list:
    """EVPI per person and for the population (in thousands/millions), against wtp."""
    frame = res["evpi"].copy()
    frame["population"] = dk.voi.population_evpi(frame["evpi"].to_numpy(), **pop)
    scale, word = fmt.money_unit(frame["population"])
    frame["population_scaled"] = frame["population"] / scale
    pop_unit = f"{currency} {word}".strip() if word else currency
    x = alt.X(
        "wtp:Q", title=f"Willingness to pay ({currency} per {effect})", axis=alt.Axis(format=",~r")
    )
    tips = [
        alt.Tooltip("wtp:Q", title=f"WTP ({currency})", format=",.0f"),
        alt.Tooltip("evpi:Q", title=f"EVPI per person ({currency})", format=",.0f"),
        alt.Tooltip("population_scaled:Q", title=f"Population EVPI ({pop_unit})", format=",.3~r"),
    ]
    person = (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x,
            alt.Y("evpi:Q", title=f"EVPI per person ({currency})", axis=alt.Axis(format=",~r")),
            tooltip=tips,
        )
        .properties(title="EVPI per person", height=280)
    )
    population = (
        alt.Chart(frame)
        .mark_line(color="#e15759")
        .encode(
            x,
            alt.Y(
                "population_scaled:Q",
                title=f"Population EVPI ({pop_unit})",
                axis=alt.Axis(format=",~r"),
            ),
            tooltip=tips,
        )
        .properties(title="Population EVPI", height=280)
    )
    return [person + wtp_rule(), population + wtp_rule()]


def evppi_data(result, wtp: float, pop: dict) -> dict:
    """The EVPPI chart's named datasets at one wtp: ``evppi_bars`` and ``evpi_rule``."""
    frame = result.to_frame()
    frame = frame[frame["wtp"] == wtp].reset_index(drop=True)
    frame["population"] = dk.voi.population_evpi(frame["evppi"].to_numpy(), **pop)
    evpi_value = float(frame["evpi"].iloc[0])
    frame["share"] = frame["evppi"] / evpi_value if evpi_value > 0 else 0.0
    columns = ["parameters", "evppi", "share", "population"]
    return {"evppi_bars": frame[columns], "evpi_rule": [{"evpi": evpi_value}]}


def evppi_chart(currency: str) -> alt.LayerChart:
    """EVPPI per parameter, largest first, with the EVPI as a reference rule.

    Its data are the named datasets of :func:`evppi_data`, so the spec is built once.
    """
    y = alt.Y("parameters:N", title="Parameter", sort="-x", axis=alt.Axis(labelOverlap=False))
    bars = (
        alt.Chart(alt.NamedData("evppi_bars"))
        .mark_bar()
        .encode(
            alt.X("evppi:Q", title=f"EVPPI per person ({currency})", axis=alt.Axis(format=",~r")),
            y,
            tooltip=[
                alt.Tooltip("parameters:N", title="Parameter"),
                alt.Tooltip("evppi:Q", title=f"EVPPI per person ({currency})", format=",.0f"),
                alt.Tooltip("share:Q", title="Share of EVPI", format=".0%"),
                alt.Tooltip("population:Q", title=f"Population ({currency})", format=",.0f"),
            ],
        )
    )
    evpi = (
        alt.Chart(alt.NamedData("evpi_rule"))
        .mark_rule(color="black", strokeDash=[6, 4])
        .encode(alt.X("evpi:Q"), tooltip=[alt.Tooltip("evpi:Q", title="EVPI", format=",.0f")])
    )
    return (bars + evpi).properties(
        title="Value of learning each parameter exactly (EVPPI)", height=alt.Step(22)
    )


def metric_knobs(out: dk.OutcomeDistribution, roles) -> tuple[str, str]:
    """Cost and effect metrics (the bundled model's, or chosen among the file's)."""
    if roles is None:
        return "cost", "qaly"  # the effect label is shown as "QALY"
    metrics = out.metrics
    if len(metrics) < 2:
        raise ValidationError(
            f"The file has one metric ({metrics[0]}); cost-effectiveness needs a cost and an "
            "effect (e.g. cost and qaly). Check how the file was read above."
        )
    cost_guess, effect_guess = roles
    left, mid = st.columns(2)
    cost = left.selectbox("Cost metric", metrics, index=_index(metrics, cost_guess, 0), key="cost")
    effect = mid.selectbox(
        "Effect metric (e.g. QALYs)", metrics, index=_index(metrics, effect_guess, 1), key="effect"
    )
    if cost == effect:
        raise ValidationError("Choose different metrics for the cost and the effect.")
    return cost, effect


def _index(options: list[str], preferred: str | None, fallback: int) -> int:
    return options.index(preferred) if preferred in options else min(fallback, len(options) - 1)


def nearest(frame: pd.DataFrame, wtp: float) -> pd.Series:
    """The row of a wtp-indexed table nearest to wtp."""
    return frame.iloc[frame.index.get_indexer([wtp], method="nearest")[0]]


# ---------------------------------------------------------------------- page
def main() -> None:
    st.title("Is it cost-effective?")
    st.caption(
        "Which strategy gives the most health for the money at your willingness to pay, how "
        "sure can we be, and which uncertainty would be worth resolving?"
    )
    upload = data_source()
    if upload is None:
        out, key, source, roles = bundled_psa(), "bundled", BUNDLED, None
    else:
        read = psa_upload(upload, "cost_effective")
        if read is None:
            return
        out, mapping = read
        key = (digest(upload), mapping)
        source, roles = f"your file {safe(upload.name)}", (mapping.cost, mapping.effect)
    st.caption(
        f"Data: {source}; strategies {safe(', '.join(out.actions))}; metrics "
        f"{safe(', '.join(out.metrics))}."
    )
    money_symbol = currency()

    def money(v: float) -> str:
        return fmt.money(v, money_symbol)

    rec_box = st.container(key="recommendation")
    evidence_box = st.container()
    with st.container(key="knobs"):
        st.subheader("Settings")
        try:
            cost, effect = metric_knobs(out, roles)
        except ValidationError as exc:
            show_error(exc, "")
            return
        unit = "QALY" if effect.lower() == "qaly" else effect  # for labels only
        wtp_max = st.number_input(
            f"Largest willingness to pay shown ({money_symbol} per {unit})",
            min_value=1_000,
            max_value=10_000_000,
            value=200_000,
            step=10_000,
            key="wtp_max",
        )
        step = int(wtp_max) // N_GRID
        wtp = st.slider(
            f"Willingness to pay ({money_symbol} per {unit})",
            0,
            step * N_GRID,
            min(100_000 // step * step, step * N_GRID),
            step=step,
            format=f"{money_symbol}%,d",
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
        res = analysis(key, out, cost, effect, int(wtp_max))
    except ValidationError as exc:
        show_error(exc, "These draws cannot be analysed.")
        return
    at_wtp = nearest(res["ceaf"].set_index("wtp"), wtp)
    evpi_now = float(nearest(res["evpi"].set_index("wtp"), wtp)["evpi"])
    pop_evpi = float(dk.voi.population_evpi(evpi_now, **pop))
    with rec_box:
        recommendation(at_wtp, res, wtp, money, unit, pop_evpi)
    with evidence_box:
        st.subheader("Evidence")
        icer_section(res["icers"], money, unit)
        reference_section(res, wtp, money, unit, key)
        left, right = st.columns(2)
        specs = session_cached(
            ("specs", key, cost, effect, int(wtp_max), money_symbol, unit, *pop.values()),
            lambda: {
                "plane": spec(ce_plane_chart(res, money_symbol, unit)),
                "ceac": spec(
                    ceac_chart(
                        res["ce"],
                        res["ceac"],
                        money_symbol,
                        unit,
                        ceaf=res["ceaf"],
                        title="Acceptability curves and frontier",
                        height=340,
                    )
                ),
                "evpi": [spec(c) for c in evpi_charts(res, money_symbol, unit, pop)],
            },
        )
        rule = {"wtp_rule": [{"wtp": wtp}]}
        show_spec(specs["plane"], left, datasets={"wtp_line": wtp_line(res, wtp)})
        ref = safe(res["ce"].reference)
        left.caption(
            f"Each dot is one PSA draw against {ref} (at most {fmt.count(MAX_PLANE_POINTS)} "
            f"per strategy); diamonds are the means of all draws. Below the dashed line (a "
            f"willingness to pay of {money(wtp)} per {safe(unit)}) a strategy is cost-effective "
            f"against {ref}."
        )
        show_spec(specs["ceac"], right, datasets=rule)
        right.caption(
            "Probability that each strategy has the highest net benefit. Grey band: the "
            "frontier, the strategy with the highest expected net benefit (the recommendation). "
            "Dotted: the chosen willingness to pay."
        )
        st.subheader("Value of information")
        st.caption(
            f"EVPI at {money(wtp)} per {safe(unit)}: {money(evpi_now)} per person, "
            f"{money(pop_evpi)} for the population ({fmt.count(pop['population_per_year'])} "
            f"people a year for {pop['horizon_years']} years, discounted at "
            f"{pop['discount_rate']:.1%} a year). Research costing more than this cannot pay "
            "off. Dotted: the chosen willingness to pay."
        )
        for column, chart_spec in zip(st.columns(2), specs["evpi"], strict=True):
            show_spec(chart_spec, column, datasets=rule)
        evppi_section(out, key, cost, effect, wtp, int(wtp_max), unit, money, money_symbol, pop)
        drivers_section(key, out, cost, effect, wtp, money, money_symbol)
        st.download_button(  # built by dk.report only when clicked
            "Download the HTML report (with the CHEERS 2022 checklist)",
            data=lambda: dk.report.report_html(
                out,
                wtp=float(wtp),
                cost=cost,
                effect=effect,
                currency=money_symbol,
                effect_unit=unit,
            ),
            file_name="cost_effectiveness_report.html",
            mime="text/html",
            key="report_download",
        )


def evppi_section(out, key, cost, effect, wtp, wtp_max, unit, money, money_symbol, pop) -> None:
    """EVPPI bars when the draws carry their parameters (bundled model or uploaded columns)."""
    if not out.has_inputs:
        st.info(
            "The value of learning each parameter (EVPPI) needs the parameter draws behind the "
            "outcomes: add them to your file as extra columns (one per parameter, one value "
            "per draw) and they are recognised as parameters."
        )
        return
    grid_step = EVPPI_EVERY * (wtp_max // N_GRID)
    at = int(round(wtp / grid_step) * grid_step) if grid_step else int(wtp)
    try:
        result, n_fixed, notes = evppi_grid(key, out, cost, effect, wtp_max)
    except ValidationError as exc:
        show_error(exc, "EVPPI cannot be estimated here.")
        return
    evppi_spec = session_cached(
        ("evppi_spec", money_symbol), lambda: spec(evppi_chart(money_symbol))
    )
    show_spec(evppi_spec, key="evppi", datasets=evppi_data(result, float(at), pop))
    snapped = (
        f" EVPPI is estimated at {N_GRID // EVPPI_EVERY + 1} evenly spaced willingness-to-pay "
        "values; this is the one nearest to yours."
        if at != wtp
        else ""
    )
    thinned_note = (
        f" Estimated on {fmt.count(EVPPI_DRAWS)} evenly spaced draws of {fmt.count(out.n_draws)}."
        if out.n_draws > EVPPI_DRAWS
        else ""
    )
    st.caption(
        f"EVPPI per person of each parameter at {money(at)} per {safe(unit)} (GAM "
        "regression, Strong et al. 2014); dashed line: the EVPI, the value of learning all "
        f"parameters together. {n_fixed} fixed inputs have no uncertainty and are left out."
        f"{thinned_note}{snapped}"
    )
    for note in notes:  # from the estimates at every EVPPI wtp
        st.caption(f"Note, over the {N_GRID // EVPPI_EVERY + 1} wtp values: {safe(note)}")


main()
