"""Your data: upload outcome draws (or a patient table) and get a recommendation.

Parsing and validation live in decisionkit.io; the decision in dk.decide. This page only
wires widgets to those calls and shows the results: recommendation, evidence, knobs.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st
from _risk import decision_curve_chart

import decisionkit as dk
from decisionkit.datasets import demo_outcomes, demo_patients
from decisionkit.exceptions import ValidationError
from decisionkit.io import DEFAULT_MAX_BYTES, read_outcomes_csv, read_patient_csv

OUTCOMES, PATIENTS = "Outcome draws", "Patient table"
NMB, LINEAR = "Net monetary benefit", "One metric"
MAX_MB = DEFAULT_MAX_BYTES // 2**20
DCA_BOOTSTRAP = 200  # bootstrap resamples behind the decision-curve intervals

FORMATS = """
**Outcome draws**, long layout: one row per draw and action.

```
draw,action,cost,qaly
0,Standard care,10250,6.12
0,Drug A,14010,6.30
```

Wide layout: one row per draw, one column per metric and action, named `metric:action`.

```
cost:Standard care,cost:Drug A,qaly:Standard care,qaly:Drug A
10250,14010,6.12,6.30
```

**Patient table**: one row per patient, an `outcome` column (1 = event, 0 = none) and one
column of predicted risks (probabilities in [0, 1]) per model.

```
outcome,model_a,model_b
1,0.31,0.25
0,0.04,0.10
```

Files are read as UTF-8 CSV text with pandas only; at most {max_mb} MB.
"""


# ---------------------------------------------------------------------- loading (cached)
@st.cache_data(max_entries=8, show_spinner=False)
def load_outcomes(file_id: str | None, _upload, layout: str) -> dk.OutcomeDistribution:
    """The demo draws when nothing is uploaded, else the validated upload (keyed by file id)."""
    if _upload is None:
        return demo_outcomes()
    _upload.seek(0)  # read from the start even if a previous run read it
    return read_outcomes_csv(_upload, layout=layout)


@st.cache_data(max_entries=8, show_spinner=False)
def load_patients(file_id: str | None, _upload) -> tuple[pd.Series, pd.DataFrame]:
    """The demo cohort when nothing is uploaded, else the validated upload."""
    if _upload is None:
        demo = demo_patients()
        return demo["outcome"], demo[["model_a", "model_b"]]
    _upload.seek(0)
    return read_patient_csv(_upload)


def data_source() -> tuple[str, object]:
    """The mode and uploaded file (None: use the demo data)."""
    with st.container(border=True):
        left, right = st.columns([1, 2])
        mode = left.radio("What are you analysing?", [OUTCOMES, PATIENTS], key="mode")
        upload = right.file_uploader(
            f"Upload a CSV file (up to {MAX_MB} MB), or use the built-in demo",
            type=["csv"],
            key=f"upload_{mode}",
        )
        with st.expander("Accepted file formats"):
            st.markdown(FORMATS.format(max_mb=MAX_MB))
    return mode, upload


# ---------------------------------------------------------------------- outcome draws
def utility_knobs(out: dk.OutcomeDistribution) -> tuple[dk.utility.Utility, dict]:
    """Widgets choosing how outcomes are valued; returns the Utility and display labels."""
    st.subheader("Settings")
    kinds = [NMB, LINEAR] if len(out.metrics) >= 2 else [LINEAR]
    kind = st.radio("Value the outcomes by", kinds, horizontal=True, key="utility_kind")
    if kind == NMB:
        left, mid, right = st.columns(3)
        effect = left.selectbox(
            "Effect metric (e.g. QALYs)",
            out.metrics,
            index=_index(out.metrics, "qaly", 1),
            key="effect",
        )
        cost = mid.selectbox(
            "Cost metric", out.metrics, index=_index(out.metrics, "cost", 0), key="cost"
        )
        currency = right.text_input("Currency", "£", key="currency", max_chars=5)
        wtp_max = st.number_input(
            "Largest willingness to pay on the slider",
            min_value=1_000,
            value=100_000,
            step=10_000,
            key="wtp_max",
        )
        wtp = st.slider(
            f"Willingness to pay ({currency} per unit of {effect})",
            0,
            int(wtp_max),
            min(30_000, int(wtp_max)),
            step=max(1, int(wtp_max) // 200),
            format=f"{currency}%,d",
            key="wtp",
        )
        if effect == cost:
            raise ValidationError("Choose different metrics for the effect and the cost.")
        u = dk.utility.net_monetary_benefit(effect=effect, cost=cost, wtp=wtp)
        labels = {
            "axis": f"Net monetary benefit ({currency})",
            "unit": currency,
            "format": lambda v: f"{currency}{v:,.0f}",
            "number": "%,.0f",
            "setting": f"at a willingness to pay of {currency}{wtp:,} per {effect}",
        }
        return u, labels
    left, mid, right = st.columns(3)
    metric = left.selectbox("Metric", out.metrics, key="metric")
    weight = mid.number_input(
        "Weight (use a negative weight when lower is better, e.g. -1 for cost)",
        value=1.0,
        step=0.5,
        key="weight",
    )
    unit = right.text_input("Unit of the metric", "units", key="unit", max_chars=20)
    if weight == 0:
        raise ValidationError("A weight of 0 makes every action equal; choose a non-zero weight.")
    u = dk.utility.linear({metric: weight}, name=f"{weight:g} × {metric}")
    labels = {
        "axis": f"Utility = {weight:g} × {metric} ({unit})",
        "unit": unit,
        "format": lambda v: f"{v:,.4g} {unit}",
        "number": "%.4g",
        "setting": f"valuing outcomes as {weight:g} × {metric}",
    }
    return u, labels


def recommendation(dec: dk.Decision, labels: dict) -> None:
    """The answer first: best action, probability it is best, value of perfect information."""
    row = dec.table.set_index("action").loc[dec.best]
    left, mid, right = st.columns(3)
    left.metric("Recommended action", dec.best)
    mid.metric("Probability it is the best action", f"{row['prob_best']:.0%}")
    right.metric(
        "Expected value of perfect information",
        labels["format"](dec.evpi),
        help="How much, in utility units, removing all uncertainty would be worth on average.",
    )
    st.markdown(
        f"{labels['setting'].capitalize()}, **{dec.best}** has the highest expected utility; "
        f"it is the best action in {row['prob_best']:.0%} of the {dec.n_draws:,} draws."
    )


def evidence(out: dk.OutcomeDistribution, u, dec: dk.Decision, labels: dict) -> None:
    """The decision table and the utility distribution of each action."""
    st.subheader("Evidence")
    table = dec.to_frame()[
        ["rank", "action", "expected_utility", "lower", "upper", "prob_best", "expected_loss"]
    ]
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "rank": st.column_config.NumberColumn("Rank"),
            "action": "Action",
            "expected_utility": st.column_config.NumberColumn(
                f"Expected utility ({labels['unit']})", format=labels["number"]
            ),
            "lower": st.column_config.NumberColumn("95% interval: lower", format=labels["number"]),
            "upper": st.column_config.NumberColumn("95% interval: upper", format=labels["number"]),
            "prob_best": st.column_config.NumberColumn("P(best)", format="percent"),
            "expected_loss": st.column_config.NumberColumn(
                f"Expected loss ({labels['unit']})",
                format=labels["number"],
                help="Average shortfall against the best action of each draw.",
            ),
        },
    )
    st.altair_chart(utility_chart(u(out), table, labels), width="stretch")


def utility_chart(draws, table: pd.DataFrame, labels: dict) -> alt.LayerChart:
    """Density of the utility draws per action, with a rule at each expected utility."""
    frame = draws.to_dataframe().reset_index()[["action", "utility"]]
    order = list(table.sort_values("rank")["action"])
    color = alt.Color("action:N", title="Action", sort=order, scale=alt.Scale(scheme="tableau10"))
    axis_x = alt.X("utility:Q", title=labels["axis"])
    density = (
        alt.Chart(frame)
        .transform_density("utility", groupby=["action"], as_=["utility", "density"])
        .mark_area(opacity=0.35, line=True)
        .encode(
            axis_x,
            alt.Y(
                "density:Q",
                title="Probability density",
                stack=None,
                axis=alt.Axis(labels=False, ticks=False),
            ),
            color,
            tooltip=[
                alt.Tooltip("action:N", title="Action"),
                alt.Tooltip("utility:Q", title=labels["axis"], format=",.4~g"),
                alt.Tooltip("density:Q", title="Density", format=".3~g"),
            ],
        )
    )
    means = (
        alt.Chart(table)
        .mark_rule(strokeDash=[4, 3], size=2)
        .encode(
            alt.X("expected_utility:Q"),
            color,
            tooltip=[
                alt.Tooltip("action:N", title="Action"),
                alt.Tooltip("expected_utility:Q", title="Expected utility", format=",.4~g"),
                alt.Tooltip("prob_best:Q", title="P(best)", format=".0%"),
            ],
        )
    )
    return (density + means).properties(
        title="Uncertainty in the utility of each action (dashed: expected utility)", height=320
    )


def outcomes_page(upload) -> None:
    layout = "auto"
    if upload is not None:
        layout = st.selectbox(
            "CSV layout",
            ["auto", "long", "wide"],
            key="layout",
            help="auto: long when the file has an 'action' column, wide otherwise.",
        )
    try:
        out = load_outcomes(getattr(upload, "file_id", None), upload, layout)
    except ValidationError as exc:
        st.error(f"This file cannot be used. {exc}")
        return
    source = (
        "the built-in demo (synthetic PSA of three treatments)"
        if upload is None
        else (f"'{upload.name}'")
    )
    st.caption(
        f"Data: {source}: {out.n_draws:,} draws, actions {', '.join(out.actions)}; "
        f"metrics {', '.join(out.metrics)}."
    )
    rec_box = st.container(key="recommendation")
    evidence_box = st.container()
    with st.container(key="knobs"):
        try:
            u, labels = utility_knobs(out)
            dec = dk.decide(out, u)
        except ValidationError as exc:
            st.error(str(exc))
            return
    with rec_box:
        recommendation(dec, labels)
    with evidence_box:
        evidence(out, u, dec, labels)


# ---------------------------------------------------------------------- patient table
def patient_summary(outcome: pd.Series, risks: pd.DataFrame) -> None:
    """Cohort size, events and the distribution of each model's predicted risks."""
    with st.container(key="recommendation"):
        left, mid, right = st.columns(3)
        left.metric("Patients", f"{len(outcome):,}")
        mid.metric("Events", f"{int(outcome.sum()):,}")
        right.metric("Event rate", f"{outcome.mean():.1%}")
    st.subheader("Predicted risks")
    summary = risks.describe().T.rename_axis("model").reset_index()
    st.dataframe(
        summary[["model", "count", "mean", "min", "50%", "max"]],
        hide_index=True,
        column_config={
            "model": "Risk column",
            "count": st.column_config.NumberColumn("Patients", format="%d"),
            "mean": st.column_config.NumberColumn("Mean risk", format="percent"),
            "min": st.column_config.NumberColumn("Lowest", format="percent"),
            "50%": st.column_config.NumberColumn("Median", format="percent"),
            "max": st.column_config.NumberColumn("Highest", format="percent"),
        },
    )


@st.cache_resource(max_entries=8, show_spinner="Computing decision curves...")
def patient_curve(
    _outcome: pd.Series, _risks: pd.DataFrame, key: str
) -> dk.threshold.DecisionCurve:
    """Decision curve of every risk column, with bootstrap intervals (keyed by the data)."""
    return dk.threshold.decision_curve(
        _outcome, _risks, n_bootstrap=DCA_BOOTSTRAP, prob=0.95, random_seed=0
    )


def patient_decision_curve(outcome: pd.Series, risks: pd.DataFrame) -> None:
    """Decision curve analysis: net benefit of each risk column, treat-all and treat-none."""
    st.subheader("Decision curves")
    key = str(pd.util.hash_pandas_object(pd.concat([outcome, risks], axis=1)).sum())
    dc = patient_curve(outcome, risks, key)
    chart = decision_curve_chart(
        dc.to_frame(),
        dc.prevalence,
        title="Net benefit of treating by each risk column (bands: 95% bootstrap intervals)",
    )
    st.altair_chart(chart, width="stretch")
    rows = []
    for model in dc.models:
        runs = dc.useful_intervals(model)
        rows.append(
            {
                "model": model,
                "from": runs[0][0] if runs else None,
                "to": runs[-1][1] if runs else None,
                "where": ", ".join(f"{a:.0%} to {b:.0%}" for a, b in runs) or "nowhere",
            }
        )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            "model": "Risk column",
            "from": st.column_config.NumberColumn("Useful from threshold", format="percent"),
            "to": st.column_config.NumberColumn("Useful up to threshold", format="percent"),
            "where": "Thresholds where it beats treating everyone and no one",
        },
    )
    st.caption(
        "A risk column is useful at a threshold when treating the patients whose risk is at "
        "least that threshold has a higher net benefit than treating everyone or no one "
        f"(Vickers & Elkin 2006). Intervals: {DCA_BOOTSTRAP} bootstrap resamples of patients."
    )


# Analyses run on a validated patient table, in order.
PATIENT_ANALYSES: tuple[Callable[[pd.Series, pd.DataFrame], None], ...] = (
    patient_summary,
    patient_decision_curve,
)


def patients_page(upload) -> None:
    try:
        outcome, risks = load_patients(getattr(upload, "file_id", None), upload)
    except ValidationError as exc:
        st.error(f"This file cannot be used. {exc}")
        return
    source = "the built-in demo cohort (synthetic)" if upload is None else f"'{upload.name}'"
    st.caption(f"Data: {source}: risk columns {', '.join(risks.columns)}.")
    for analysis in PATIENT_ANALYSES:
        analysis(outcome, risks)


def _index(options: list[str], preferred: str, fallback: int) -> int:
    return options.index(preferred) if preferred in options else min(fallback, len(options) - 1)


# ---------------------------------------------------------------------- page
st.title("Your data")
st.caption(
    "Upload outcome draws from your own simulation or posterior (or a patient table) and get "
    "a recommendation with its uncertainty."
)
mode, upload = data_source()
if mode == OUTCOMES:
    outcomes_page(upload)
else:
    patients_page(upload)
