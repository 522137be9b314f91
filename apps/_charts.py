"""Altair charts shared by dashboard pages: strategy colours, the wtp rule, the CEAC.

The numbers come from the library's results (``dk.cea.analyze``'s ``ceac()``/``ceaf()``);
these functions only draw them.
"""

from __future__ import annotations

import altair as alt
import pandas as pd


def strategy_color(ce) -> alt.Color:
    """The same colour for a strategy on every chart (domain: all strategies in input order)."""
    return alt.Color(
        "strategy:N",
        title="Strategy",
        scale=alt.Scale(domain=list(ce.strategies), scheme="tableau10"),
        legend=alt.Legend(orient="right"),
    )


def wtp_rule() -> alt.Chart:
    """A rule at the chosen wtp: the named dataset ``wtp_rule``, set per slider step."""
    return (
        alt.Chart(alt.NamedData("wtp_rule"))
        .mark_rule(color="grey", strokeDash=[2, 2])
        .encode(alt.X("wtp:Q"), tooltip=[alt.Tooltip("wtp:Q", title="Chosen WTP", format=",.0f")])
    )


def ceac_chart(
    ce,
    ceac: pd.DataFrame,
    currency: str,
    effect: str,
    *,
    ceaf: pd.DataFrame | None = None,
    title: str = "Cost-effectiveness acceptability curves",
    height: int = 300,
) -> alt.LayerChart:
    """CEAC per strategy (``ce.ceac()``), optionally the CEAF as a grey band, a wtp rule.

    The rule is the named dataset ``wtp_rule``, so the spec is built once per result and only
    the rule's data change with the slider.
    """
    x = alt.X(
        "wtp:Q", title=f"Willingness to pay ({currency} per {effect})", axis=alt.Axis(format=",~r")
    )
    y = alt.Y(
        "prob_best:Q",
        title="Probability most cost-effective",
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format="%"),
    )
    tips = [
        alt.Tooltip("strategy:N", title="Strategy"),
        alt.Tooltip("wtp:Q", title=f"WTP ({currency})", format=",.0f"),
        alt.Tooltip("prob_best:Q", title="Probability", format=".0%"),
    ]
    layers = alt.Chart(ceac).mark_line(strokeWidth=2).encode(x, y, strategy_color(ce), tooltip=tips)
    if ceaf is not None:
        frontier = (
            alt.Chart(ceaf)
            .mark_line(color="black", strokeWidth=7, opacity=0.18)
            .encode(
                x,
                y,
                tooltip=[*tips, alt.Tooltip("expected_nb:Q", title="Expected NB", format=",.0f")],
            )
        )
        layers = frontier + layers
    return (layers + wtp_rule()).properties(title=title, height=height)
