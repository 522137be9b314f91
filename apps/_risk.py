"""Shared pieces of the risk pages ("Treat or not?", "Bayesian risk model").

Cached loaders of the bundled cohort and its precomputed Bayesian risk model, the widgets
that enter one patient's features, and the chart of one patient's posterior risk. No maths:
everything numeric comes from the decisionkit API.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import decisionkit as dk
from decisionkit.datasets import load_cvd_cohort, load_cvd_risk_model

OUTCOME = "event"
PREDICTORS = ["age", "male", "sbp", "cholesterol", "diabetes", "smoker"]
LABELS = {
    "age": "Age (years)",
    "male": "Male",
    "sbp": "Systolic blood pressure (mmHg)",
    "cholesterol": "Total cholesterol (mmol/L)",
    "diabetes": "Diabetes",
    "smoker": "Current smoker",
}
YES_NO = ("male", "diabetes", "smoker")
# a typical patient of the bundled cohort (its medians and most common categories)
DEFAULT_PATIENT = {
    "age": 60,
    "male": 0,
    "sbp": 132,
    "cholesterol": 5.5,
    "diabetes": 0,
    "smoker": 0,
}
INTERVAL = 0.95


def pct(p: float) -> str:
    """A probability as a whole percentage, never rounding a non-zero share to 0% or 100%."""
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 <= p < 1:
        return ">99%"
    return f"{p:.0%}"


@st.cache_data(show_spinner=False)
def cohort() -> pd.DataFrame:
    """The bundled cohort of 2,000 simulated patients (decisionkit.datasets.load_cvd_cohort)."""
    return load_cvd_cohort()


@st.cache_resource(show_spinner="Loading the precomputed risk model...")
def bundled_model() -> dk.models.BayesianLogisticRisk:
    """The precomputed posterior shipped with the package (no sampling)."""
    return load_cvd_risk_model()


@st.cache_resource(show_spinner=False)
def cohort_risk_draws():
    """Posterior risk draws (draw, unit) of every cohort patient under the bundled model."""
    return bundled_model().predict_risk(cohort()[PREDICTORS])


def patient_inputs(
    *, key: str, columns: list[str] | None = None, defaults: dict | None = None
) -> pd.DataFrame:
    """Widgets for one patient's features; returns a one-row predictor table.

    Without ``defaults`` the bundled cohort's predictors get tailored widgets (units, ranges,
    yes/no); with ``defaults`` (an uploaded cohort) every column gets a plain number input.
    """
    columns = PREDICTORS if columns is None else columns
    values = {}
    cols = st.columns(3)
    for i, name in enumerate(columns):
        box = cols[i % 3]
        if defaults is not None:
            values[name] = box.number_input(
                name, value=float(defaults[name]), format="%g", key=f"{key}_{name}"
            )
            continue
        default = DEFAULT_PATIENT.get(name, 0)
        if name in YES_NO:
            answer = box.radio(
                LABELS[name],
                ["No", "Yes"],
                index=int(default),
                horizontal=True,
                key=f"{key}_{name}",
            )
            values[name] = int(answer == "Yes")
        elif name == "age":
            values[name] = box.number_input(
                LABELS[name], 40, 85, int(default), step=1, key=f"{key}_{name}"
            )
        elif name == "sbp":
            values[name] = box.number_input(
                LABELS[name], 90, 210, int(default), step=2, key=f"{key}_{name}"
            )
        elif name == "cholesterol":
            values[name] = box.number_input(
                LABELS[name],
                2.5,
                10.0,
                float(default),
                step=0.1,
                format="%.1f",
                key=f"{key}_{name}",
            )
        else:
            raise KeyError(f"no widget for predictor {name!r}; pass defaults=")
    return pd.DataFrame([values])


def risk_histogram(draws, *, threshold: float | None = None, title: str) -> alt.LayerChart:
    """Histogram of one patient's posterior risk draws, with a rule at the threshold."""
    frame = pd.DataFrame({"risk": np.asarray(draws, dtype=float).ravel()})
    hist = (
        alt.Chart(frame)
        .mark_bar(opacity=0.75)
        .encode(
            alt.X(
                "risk:Q",
                bin=alt.Bin(maxbins=40),
                title="Predicted 10-year risk of an event (posterior draws)",
                axis=alt.Axis(format="%"),
            ),
            alt.Y("count():Q", title="Number of posterior draws"),
            tooltip=[
                alt.Tooltip("risk:Q", bin=alt.Bin(maxbins=40), title="Risk", format=".1%"),
                alt.Tooltip("count():Q", title="Draws"),
            ],
        )
    )
    if threshold is None:
        return hist.properties(title=title, height=260)
    rule = (
        alt.Chart(pd.DataFrame({"threshold": [threshold]}))
        .mark_rule(color="firebrick", strokeDash=[5, 3], size=2)
        .encode(
            alt.X("threshold:Q"),
            tooltip=[alt.Tooltip("threshold:Q", title="Treatment threshold", format=".1%")],
        )
    )
    return (hist + rule).properties(title=title, height=260)


TREAT_ALL, TREAT_NONE = "Treat all", "Treat none"
MODEL_COLORS = ["#4e79a7", "#59a14f", "#b07aa1", "#e15759", "#76b7b2", "#9c755f", "#edc948"]


def decision_curve_chart(
    frame: pd.DataFrame,
    prevalence: float,
    *,
    threshold: float | None = None,
    x_max: float = 1.0,
    title: str,
) -> alt.LayerChart:
    """Net benefit against threshold for every policy of a DecisionCurve.to_frame().

    Models get their interval as a band (when the frame has one), treat-all and treat-none
    fixed colours. The y axis shows [-0.02, prevalence + 0.02] (treat-all falls far below
    zero at high thresholds; lines leaving the plot are clipped); an optional dashed rule
    marks the chosen threshold.
    """
    models = [m for m in frame["model"].unique() if m not in (TREAT_ALL, TREAT_NONE)]
    colors = alt.Scale(
        domain=[*models, TREAT_ALL, TREAT_NONE],
        range=[*(MODEL_COLORS * 3)[: len(models)], "#f28e2b", "#7f7f7f"],
    )
    data = frame[frame["threshold"] <= x_max].assign(
        treated=frame["pos_rate"] * 100,
        caught=frame["tp_rate"] * 100,
        unnecessary=frame["fp_rate"] * 100,
    )
    x = alt.X(
        "threshold:Q",
        title="Threshold probability: treat when the risk is at least this (%)",
        axis=alt.Axis(format="%"),
        scale=alt.Scale(domain=[0, x_max]),
    )
    y_scale = alt.Scale(domain=[-0.02, round(prevalence + 0.02, 2)])
    color = alt.Color(
        "model:N",
        title="Policy",
        scale=colors,
        legend=alt.Legend(
            symbolType="stroke", symbolStrokeWidth=3, symbolOpacity=1, labelLimit=320
        ),  # long model names in full (Vega cuts labels at 160 px by default)
    )
    tooltip = [
        alt.Tooltip("model:N", title="Policy"),
        alt.Tooltip("threshold:Q", title="Threshold", format=".0%"),
        alt.Tooltip("net_benefit:Q", title="Net benefit", format=".4f"),
        alt.Tooltip("net_benefit_lower:Q", title="Interval: lower", format=".4f"),
        alt.Tooltip("net_benefit_upper:Q", title="Interval: upper", format=".4f"),
        alt.Tooltip("treated:Q", title="Treated per 100", format=".1f"),
        alt.Tooltip("caught:Q", title="Events caught per 100", format=".1f"),
        alt.Tooltip("unnecessary:Q", title="Unnecessary treatments per 100", format=".1f"),
    ]
    base = alt.Chart(data)
    layers = []
    banded = data[data["model"].isin(models)]["net_benefit_lower"].notna().any()
    if banded:
        layers.append(
            base.transform_filter(alt.FieldOneOfPredicate(field="model", oneOf=models))
            .mark_area(opacity=0.2, clip=True)
            .encode(
                x,
                alt.Y("net_benefit_lower:Q", scale=y_scale),
                alt.Y2("net_benefit_upper:Q"),
                color,
            )
        )
    layers.append(
        base.mark_line(size=2, clip=True).encode(
            x,
            alt.Y(
                "net_benefit:Q",
                title="Net benefit (true positives per patient)",
                scale=y_scale,
                axis=alt.Axis(titlePadding=8),
            ),
            color,
            tooltip=tooltip,
        )
    )
    layers.append(
        base.mark_point(size=30, opacity=0, clip=True).encode(
            x, alt.Y("net_benefit:Q", scale=y_scale), tooltip=tooltip
        )
    )
    if threshold is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"threshold": [threshold]}))
            .mark_rule(color="firebrick", strokeDash=[5, 3], size=2)
            .encode(
                alt.X("threshold:Q"),
                tooltip=[alt.Tooltip("threshold:Q", title="Chosen threshold", format=".1%")],
            )
        )
    return alt.layer(*layers).properties(title=title, height=380, padding={"left": 12, "top": 4})
