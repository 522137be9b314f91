"""Your data: upload outcome draws (or a patient table) and get a recommendation.

Reading and validation live in decisionkit.io (the mapping it infers is shown for the user to
confirm, see _data.py); the decision in dk.decide; decision curves in
dk.threshold.decision_curve. This page wires widgets to those calls and shows the results:
recommendation first, then the evidence, then the settings.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from _data import MAX_MB, digest, psa_upload, session_cached, thinned, uploader
from _layout import chart as show
from _layout import csv_download, currency, safe, show_error
from _risk import decision_curve_chart

import decisionkit as dk
from decisionkit import formatting as fmt
from decisionkit.datasets import demo_outcomes, demo_patients
from decisionkit.exceptions import ValidationError
from decisionkit.io import read_patient_csv

OUTCOMES, PATIENTS = "Outcome draws", "Patient table"
NMB, LINEAR = "Net monetary benefit", "One metric"
EVENT = "event"  # the outcome column of a patient table, on every page
DCA_BOOTSTRAP = 200  # bootstrap resamples behind the decision-curve intervals
CHART_DRAWS = 2_000  # draws per action drawn in the density chart (all are analysed)
THRESHOLDS = np.round(np.arange(0.01, 0.81, 0.01), 2)

FORMATS = f"""
**Outcome draws.** The reader recognises the usual PSA exports and shows you what it took
each column to be before any result:

* long: one row per draw and strategy, a column naming the strategy (`action`, `strategy`,
  `treatment`, `arm`...), an optional `draw` column, one column per metric;
* wide: one row per draw, columns `cost:Drug A`, `qaly:Drug A`... (also `Drug A_cost`,
  `cost_Drug A`, or a two-row header of strategy names over metric names);
* any other numeric column is a PSA parameter (it enables the value of learning it, EVPPI).

```
draw,cost:Standard care,cost:Drug A,qaly:Standard care,qaly:Drug A,p_response
0,10250,14010,6.12,6.30,0.41
```

**Patient table**: one row per patient, an `{EVENT}` column (1 = event, 0 = none) and one
column of predicted risks (probabilities in [0, 1]) per model.

```
{EVENT},model_a,model_b
1,0.31,0.25
0,0.04,0.10
```

CSV text (UTF-8; commas, or semicolons with decimal commas), read with pandas only; at most
{MAX_MB} MB and 2,000 columns.
"""


# ---------------------------------------------------------------------- data
@st.cache_resource(max_entries=1, show_spinner=False)
def demo() -> dk.OutcomeDistribution:
    """The built-in demo draws (the same for every session; no user data)."""
    return demo_outcomes()


@st.cache_resource(max_entries=1, show_spinner=False)
def demo_cohort() -> tuple[pd.Series, pd.DataFrame]:
    """The built-in demo cohort, its outcome column named like every page's."""
    frame = demo_patients()
    return frame["outcome"].rename(EVENT), frame[["model_a", "model_b"]]


def data_source() -> tuple[str, object]:
    """The mode and uploaded file (None: use the demo data)."""
    with st.container(border=True):
        left, right = st.columns([1, 2])
        mode = left.radio("What are you analysing?", [OUTCOMES, PATIENTS], key="mode")
        with right:
            upload = uploader("Upload your file, or use the built-in demo", key=f"upload_{mode}")
        with st.expander("Accepted file formats"):
            st.markdown(FORMATS)
    return mode, upload


# ---------------------------------------------------------------------- outcome draws
def utility_knobs(out: dk.OutcomeDistribution, roles: tuple[str | None, str | None]):
    """Widgets choosing how outcomes are valued; returns the Utility, its key and labels."""
    st.subheader("Settings")
    cost_metric, effect_metric = roles
    money = currency()
    kinds = [NMB, LINEAR] if len(out.metrics) >= 2 else [LINEAR]
    kind = st.radio("Value the outcomes by", kinds, horizontal=True, key="utility_kind")
    if kind == NMB:
        left, mid = st.columns(2)
        effect = left.selectbox(
            "Effect metric (e.g. QALYs)",
            out.metrics,
            index=_index(out.metrics, effect_metric, 1),
            key="effect",
        )
        cost = mid.selectbox(
            "Cost metric", out.metrics, index=_index(out.metrics, cost_metric, 0), key="cost"
        )
        unit = "QALY" if effect.lower() == "qaly" else effect  # for labels only (as on the CE page)
        wtp_max = st.number_input(
            f"Largest willingness to pay on the slider ({money} per {unit})",
            min_value=1_000,
            max_value=10_000_000,
            value=100_000,
            step=10_000,
            key="wtp_max",
        )
        wtp = st.slider(
            f"Willingness to pay ({money} per {unit})",
            0,
            int(wtp_max),
            min(30_000, int(wtp_max)),
            step=max(1, int(wtp_max) // 200),
            format=f"{money}%,d",
            key="wtp",
        )
        if effect == cost:
            raise ValidationError("Choose different metrics for the effect and the cost.")
        u = dk.utility.net_monetary_benefit(effect=effect, cost=cost, wtp=wtp)
        labels = {
            "axis": f"Net monetary benefit ({money})",
            "unit": money,
            "format": lambda v: fmt.money(v, money),
            "setting": f"at a willingness to pay of {fmt.money(wtp, money)} per {unit}",
        }
        return u, (NMB, effect, cost, wtp), labels
    left, mid, right = st.columns(3)
    default = effect_metric if effect_metric in out.metrics else out.metrics[0]
    metric = left.selectbox("Metric", out.metrics, index=out.metrics.index(default), key="metric")
    # lower is better for a cost: its default weight is -1, so the cheapest action wins
    is_cost = metric == cost_metric or metric.lower() in ("cost", "costs")
    weight = mid.number_input(
        "Weight (negative when lower is better, e.g. -1 for a cost)",
        value=-1.0 if is_cost else 1.0,
        step=0.5,
        key=f"weight_{metric}",
    )
    unit = right.text_input("Unit of the metric", "units", key="unit", max_chars=20)
    if weight == 0:
        raise ValidationError("A weight of 0 makes every action equal; choose a non-zero weight.")
    u = dk.utility.linear({metric: weight}, name=f"{weight:g} × {metric}")
    labels = {
        "axis": f"Utility = {weight:g} × {metric} ({unit})",
        "unit": unit,
        "format": lambda v: f"{fmt.number(v)} {unit}",
        "setting": f"valuing outcomes as {weight:g} × {metric}",
    }
    return u, (LINEAR, metric, weight), labels


def recommendation(dec: dk.Decision, labels: dict) -> None:
    """The answer first: best action, probability it is best, value of perfect information."""
    row = dec.table.set_index("action").loc[dec.best]
    left, mid, right = st.columns(3)
    left.metric("Recommended action", safe(dec.best))
    mid.metric("Probability it is the best action", fmt.percent(row["prob_best"]))
    right.metric(
        "Expected value of perfect information",
        labels["format"](dec.evpi),
        help="How much, in utility units, removing all uncertainty would be worth on average.",
    )
    setting = labels["setting"]  # str.capitalize() would lower-case "QALY" and metric names
    st.markdown(
        f"{safe(setting[:1].upper() + setting[1:])}, **{safe(dec.best)}** has the highest "
        f"expected utility; it is the best action in {fmt.percent(row['prob_best'])} of the "
        f"{fmt.count(dec.n_draws)} draws."
    )


def evidence(utilities, dec: dk.Decision, labels: dict) -> None:
    """The decision table and the utility distribution of each action."""
    st.subheader("Evidence")
    table = dec.to_frame()[
        ["rank", "action", "expected_utility", "lower", "upper", "prob_best", "expected_loss"]
    ]
    money = labels["format"]
    shown = fmt.table(
        table,
        {
            "expected_utility": money,
            "lower": money,
            "upper": money,
            "prob_best": fmt.percent,
            "expected_loss": money,
        },
    ).rename(
        columns={
            "rank": "Rank",
            "action": "Action",
            "expected_utility": "Expected utility",
            "lower": "95% interval: lower",
            "upper": "95% interval: upper",
            "prob_best": "P(best)",
            "expected_loss": "Expected loss",
        }
    )
    st.dataframe(shown, hide_index=True)
    csv_download(table, "decision_table.csv")
    show(utility_chart(utilities, table, labels))
    if dec.n_draws > CHART_DRAWS:
        st.caption(
            f"The chart draws {fmt.count(CHART_DRAWS)} evenly spaced draws per action; the "
            f"table and the recommendation use all {fmt.count(dec.n_draws)}."
        )


def utility_chart(draws, table: pd.DataFrame, labels: dict) -> alt.LayerChart:
    """Density of the utility draws per action, with a rule at each expected utility."""
    frame = draws.to_dataframe().reset_index()[["action", "utility"]]
    order = list(table.sort_values("rank")["action"])
    color = alt.Color("action:N", title="Action", sort=order, scale=alt.Scale(scheme="tableau10"))
    axis_x = alt.X("utility:Q", title=labels["axis"], axis=alt.Axis(format=",~r"))
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
                alt.Tooltip("utility:Q", title=labels["axis"], format=",.0f"),
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
                alt.Tooltip("expected_utility:Q", title="Expected utility", format=",.0f"),
                alt.Tooltip("prob_best:Q", title="P(best)", format=".0%"),
            ],
        )
    )
    return (density + means).properties(
        title="Uncertainty in the utility of each action (dashed: expected utility)", height=320
    )


def outcomes_page(upload) -> None:
    if upload is None:
        out, roles, key = demo(), ("cost", "qaly"), "demo"
        source = "the built-in demo (synthetic PSA of three treatments)"
    else:
        read = psa_upload(upload, "your_data")
        if read is None:
            return
        out, mapping = read
        roles, key = (mapping.cost, mapping.effect), (digest(upload), mapping)
        source = f"your file {safe(upload.name)}"
    st.caption(
        f"Data: {source}: {fmt.count(out.n_draws)} draws; actions "
        f"{safe(', '.join(out.actions))}; metrics {safe(', '.join(out.metrics))}."
    )
    rec_box = st.container(key="recommendation")
    evidence_box = st.container()
    with st.container(key="knobs"):
        try:
            u, u_key, labels = utility_knobs(out, roles)
            dec = session_cached(("decide", key, u_key), lambda: dk.decide(out, u))
        except ValidationError as exc:
            show_error(exc, "")
            return
    with rec_box:
        recommendation(dec, labels)
    with evidence_box:
        sample = thinned(out, CHART_DRAWS, key)
        evidence(session_cached(("utilities", key, u_key), lambda: u(sample)), dec, labels)


# ---------------------------------------------------------------------- patient table
@st.cache_data(max_entries=2, show_spinner="Computing decision curves...")
def demo_curve() -> dk.threshold.DecisionCurve:
    """Decision curves of the demo cohort (shared: no user data)."""
    y, risks = demo_cohort()
    return _curve(y, risks)


def _curve(y: pd.Series, risks: pd.DataFrame) -> dk.threshold.DecisionCurve:
    return dk.threshold.decision_curve(
        y, risks, thresholds=THRESHOLDS, n_bootstrap=DCA_BOOTSTRAP, prob=0.95, random_seed=0
    )


def patient_recommendation(dc, y: pd.Series, threshold: float) -> None:
    """The answer first: the policy with the highest net benefit at the chosen threshold."""
    rows = dc.at(threshold).set_index("model")
    best = rows["net_benefit"].idxmax()
    chosen = rows.loc[best]
    n = len(y)
    treated = round(chosen["pos_rate"] * n)
    left, mid, right = st.columns(3)
    left.metric("Recommended policy", safe(best))
    mid.metric(
        "Patients treated",
        f"{fmt.count(treated)} of {fmt.count(n)}",
        help="Patients whose predicted risk is at least the threshold (all or none for the "
        "treat-all and treat-none policies).",
    )
    right.metric(
        "Net benefit",
        f"{fmt.number(chosen['net_benefit'] * 100)} per 100",
        help="True positives per 100 patients minus false positives weighted by the odds of "
        "the threshold (Vickers & Elkin 2006).",
    )
    verb = "treat" if best not in ("Treat all", "Treat none") else ""
    how = (
        f"{verb} the patients whose risk from **{safe(best)}** is at least {threshold:.0%}"
        if verb
        else f"**{safe(best).lower()}**"
    )
    st.markdown(
        f"At a treatment threshold of {threshold:.0%}, the best policy is to {how}: it "
        f"treats {fmt.count(treated)} patients, of whom "
        f"{fmt.count(round(chosen['tp_rate'] * n))} have the event and "
        f"{fmt.count(round(chosen['fp_rate'] * n))} do not "
        f"({fmt.count(int(y.sum()))} events among {fmt.count(n)} patients)."
    )


def patients_page(upload) -> None:
    if upload is None:
        y, risks = demo_cohort()
        dc = demo_curve()
        source = "the built-in demo cohort (synthetic)"
    else:
        try:
            sha = digest(upload)
            y, risks = session_cached(
                ("patients", sha), lambda: read_patient_csv(upload, outcome=EVENT)
            )
        except ValidationError as exc:
            show_error(exc)
            return
        dc = session_cached(("curve", sha), lambda: _curve(y, risks))
        source = f"your file {safe(upload.name)}"
    st.caption(
        f"Data: {source}: {fmt.count(len(y))} patients; risk columns "
        f"{safe(', '.join(risks.columns))}."
    )
    rec_box = st.container(key="recommendation")
    evidence_box = st.container()
    with st.container(key="knobs"):
        st.subheader("Settings")
        threshold = st.slider(
            "Treatment threshold: treat when the risk is at least",
            0.01,
            0.80,
            0.10,
            step=0.01,
            format="percent",
            key="patient_threshold",
            help="The risk at which treating and not treating are equally good: harm of "
            "treating a patient without the event / (harm + benefit for a patient with it).",
        )
    with rec_box:
        patient_recommendation(dc, y, threshold)
    with evidence_box:
        st.subheader("Evidence")
        chart = decision_curve_chart(
            dc.to_frame(),
            dc.prevalence,
            threshold=threshold,
            x_max=0.8,
            title="Net benefit of treating by each risk column (bands: 95% bootstrap intervals)",
        )
        show(chart)
        st.caption(
            "Net benefit of treating the patients whose risk is at least each threshold, "
            "against treating everyone and no one (Vickers & Elkin 2006); dashed: the chosen "
            f"threshold. Bands: {DCA_BOOTSTRAP} bootstrap resamples of patients."
        )
        csv_download(dc.to_frame(), "decision_curves.csv")


def _index(options: list[str], preferred: str | None, fallback: int) -> int:
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
