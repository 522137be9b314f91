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
