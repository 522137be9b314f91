"""'Which parameters drive the decision?': one-way sensitivity from the PSA on the CE page.

The analysis is dk.sensitivity.one_way_psa (dampack's quadratic regression metamodel of each
strategy's net monetary benefit on each PSA parameter), through
dk.sensitivity.one_way_psa_metrics: fitted once per data set, combined per willingness to pay.
This module only picks the two strategies to compare and draws the tornado.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from _data import session_cached, thinned
from _layout import safe, show_error, show_spec, spec

import decisionkit as dk
from decisionkit import formatting as fmt
from decisionkit.exceptions import ValidationError

DRIVER_DRAWS = 20_000  # metamodel fitted on at most this many evenly spaced draws
TOP = 10  # parameters shown in the tornado


def drivers(key, out: dk.OutcomeDistribution, cost: str, effect: str, wtp: float) -> dict:
    """Incremental tornado of the best strategy against the runner-up at one wtp.

    The metamodel is fitted once per data set and metrics (dk.sensitivity.one_way_psa_metrics:
    one fit of cost and effect per parameter); each wtp only combines the fits into the net
    monetary benefit's, which equals dk.sensitivity.one_way_psa at that wtp.
    """
    fits = session_cached(
        ("driver_fits", key, cost, effect),
        lambda: dk.sensitivity.one_way_psa_metrics(thinned(out, DRIVER_DRAWS, key), [effect, cost]),
    )

    def compute() -> dict:
        ow = fits.combine({effect: wtp, cost: -1.0})
        best, runner = (str(s) for s in ow.base.sort_values(ascending=False).index[:2])
        table = ow.tornado(best, reference=runner)
        summary = ow.summary
        flips = summary.loc[summary["optimal"] != best, "parameter"].tolist()
        return {"table": table, "best": best, "runner": runner, "flips": flips, "n": len(table)}

    return session_cached(("drivers", key, cost, effect, wtp), compute)


def tornado_data(table: pd.DataFrame) -> pd.DataFrame:
    """The chart's bars (its named dataset ``tornado``): the TOP widest swings, both ends."""
    top = table.head(TOP)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "parameter": top["parameter"],
                    "end": label,
                    "value": top[end],
                    "outcome": top[f"outcome_{end}"],
                    "base": top["base"],
                    "order": range(len(top)),
                }
            )
            for end, label in (("low", "Low value (2.5%)"), ("high", "High value (97.5%)"))
        ],
        ignore_index=True,
    )


def tornado_chart(best: str, runner: str, currency: str) -> alt.LayerChart:
    """Bars from the PSA-mean incremental net benefit to its value at each end of the range.

    The bars are the named dataset ``tornado`` (:func:`tornado_data`), so the spec is built
    once per pair of strategies and each wtp only sends its data.
    """
    title = f"Incremental net benefit, {best} minus {runner} ({currency})"
    y = alt.Y(
        "parameter:N",
        title="Parameter",
        sort=alt.EncodingSortField("order"),
        axis=alt.Axis(labelOverlap=False),
    )
    bars = (
        alt.Chart(alt.NamedData("tornado"))
        .mark_bar()
        .encode(
            alt.X("base:Q", title=title, axis=alt.Axis(format=",~r")),
            alt.X2("outcome:Q"),
            y,
            alt.Color("end:N", title="Parameter at", scale=alt.Scale(range=["#1f77b4", "#ff7f0e"])),
            tooltip=[
                alt.Tooltip("parameter:N", title="Parameter"),
                alt.Tooltip("value:Q", title="Parameter value", format=",.4~g"),
                alt.Tooltip("outcome:Q", title=f"Incremental NMB ({currency})", format=",.0f"),
            ],
        )
    )
    zero = (
        alt.Chart(pd.DataFrame({"x": [0.0]}))
        .mark_rule(color="firebrick", strokeDash=[6, 4])
        .encode(alt.X("x:Q"))
    )
    return (bars + zero).properties(
        title="Which parameters drive the decision? (one-way, PSA metamodel)",
        height=alt.Step(22),
    )


def drivers_section(key, out, cost, effect, wtp, money, money_symbol) -> None:
    """The section: tornado of the recommendation against the runner-up, and what flips it."""
    if not out.has_inputs:  # the EVPPI section above already says how to add parameters
        return
    st.subheader("Which parameters drive the decision?")
    try:
        res = drivers(key, out, cost, effect, float(wtp))
    except ValidationError as exc:
        show_error(exc, "The one-way sensitivity analysis cannot be estimated here.")
        return
    best, runner = safe(res["best"]), safe(res["runner"])
    chart_spec = session_cached(
        ("drivers_spec", res["best"], res["runner"], money_symbol),
        lambda: spec(tornado_chart(res["best"], res["runner"], money_symbol)),
    )
    show_spec(chart_spec, key="drivers", datasets={"tornado": tornado_data(res["table"])})
    flips = ", ".join(safe(p) for p in res["flips"])
    verdict = (
        f"Moving any one of {flips} across its range changes the best strategy."
        if res["flips"]
        else f"No single parameter changes the best strategy ({best}) across its range."
    )
    st.caption(
        f"How the net benefit of {best} over {runner} at {money(wtp)} changes as each "
        "parameter moves from its 2.5% to its 97.5% PSA value, the others varying as in the "
        "PSA: a quadratic regression of each strategy's net benefit on the parameter over the "
        "draws (dampack's owsa; Jalal et al. 2013). Left of the dashed line "
        f"{runner} does better. Widest swings first; {min(TOP, res['n'])} of "
        f"{fmt.count(res['n'])} parameters shown. {verdict}"
    )
