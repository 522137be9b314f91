"""Treat or not? Decision curves of the bundled Bayesian risk model, and one patient's call.

The threshold comes from dk.threshold.optimal_threshold (benefit and harm of treatment) or is
set directly; net benefit, its posterior interval and the counts per 100 patients come from
dk.threshold.decision_curve; one patient's recommendation from
dk.threshold.recommend_treatment. This page only wires widgets to those calls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from _risk import (
    INTERVAL,
    OUTCOME,
    PREDICTORS,
    bundled_model,
    cohort,
    cohort_risk_draws,
    decision_curve_chart,
    patient_inputs,
    pct,
    risk_histogram,
)

import decisionkit as dk
from decisionkit.exceptions import ValidationError

MODEL = "Risk model"
BENEFIT_HARM, DIRECT = "Benefit and harm of treatment", "The threshold directly"
BY_ROW, BY_FEATURES = "Row of the cohort", "Enter features"
GRID = np.round(np.arange(0.0, 0.81, 0.01), 2)  # thresholds of the chart, 0% to 80%


# ---------------------------------------------------------------------- cached analysis
@st.cache_resource(show_spinner="Computing decision curves...")
def curve() -> dk.threshold.DecisionCurve:
    """Decision curve of the model on the cohort across GRID, with posterior bands."""
    return dk.threshold.decision_curve(
        cohort()[OUTCOME], {MODEL: cohort_risk_draws()}, thresholds=GRID, prob=INTERVAL
    )


@st.cache_data(max_entries=64, show_spinner=False)
def at_threshold(threshold: float) -> pd.DataFrame:
    """The three policies at the chosen threshold (one decision-curve row each)."""
    dc = dk.threshold.decision_curve(
        cohort()[OUTCOME], {MODEL: cohort_risk_draws()}, thresholds=[threshold], prob=INTERVAL
    )
    return dc.at(threshold).set_index("model")


# ---------------------------------------------------------------------- knobs
def threshold_knobs() -> tuple[float, dict]:
    """Benefit and harm (or the threshold itself) -> the treatment threshold."""
    st.subheader("Settings")
    how = st.radio("Set the treatment threshold from", [BENEFIT_HARM, DIRECT], key="how")
    if how == BENEFIT_HARM:
        left, right = st.columns(2)
        benefit = left.slider(
            "Benefit of treating a patient who would have an event (any unit, e.g. QALYs gained)",
            1.0,
            50.0,
            9.0,
            step=0.5,
            key="benefit",
            help="What treatment gains for a patient who would otherwise have the event.",
        )
        harm = right.slider(
            "Harm of treating a patient who would not have an event (same unit)",
            0.1,
            10.0,
            1.0,
            step=0.1,
            key="harm",
            help="Side effects, burden and cost of treating someone who did not need it.",
        )
        t = dk.threshold.optimal_threshold(benefit=benefit, harm=harm)
        why = (
            f"a benefit of {benefit:g} and a harm of {harm:g} (threshold = harm / (benefit + harm))"
        )
        return t, {"benefit": benefit, "harm": harm, "why": why}
    t = st.slider(
        "Treat when the predicted risk is at least",
        0.01,
        0.80,
        0.10,
        step=0.01,
        format="%.2f",
        key="threshold",
    )
    return t, {"threshold": t, "why": f"a threshold set directly at {t:.0%}"}


# ---------------------------------------------------------------------- display
def recommendation(t: float, rows: pd.DataFrame, prevalence: float, setting: dict) -> None:
    """The answer first: the threshold and what treating by the model means per 100 patients."""
    m = rows.loc[MODEL]
    cols = st.columns(4)
    cols[0].metric("Treat when risk is at least", f"{t:.1%}")
    cols[1].metric("Treated per 100 patients", f"{m['pos_rate'] * 100:.1f}")
    cols[2].metric(
        "Events caught per 100",
        f"{m['tp_rate'] * 100:.1f}",
        help=f"Of {prevalence * 100:.1f} events per 100 patients in the cohort.",
    )
    cols[3].metric("Unnecessary treatments per 100", f"{m['fp_rate'] * 100:.1f}")
    nb, lo, hi = m["net_benefit"], m["net_benefit_lower"], m["net_benefit_upper"]
    best = max(rows.index, key=lambda s: rows.loc[s, "net_benefit"])
    verdict = (
        "better than treating everyone or no one"
        if best == MODEL
        else f"**not** better than *{best.lower()}*, which is the better policy here"
    )
    st.markdown(
        f"With {setting['why']}, treat the patients whose predicted risk is at least "
        f"**{t:.1%}**: about **{m['pos_rate'] * 100:.0f} in 100** patients, catching "
        f"{m['tp_rate'] * 100:.1f} of the {prevalence * 100:.1f} events per 100. Treating by "
        f"the model has a net benefit of {nb:.3f} ({INTERVAL:.0%} interval {lo:.3f} to "
        f"{hi:.3f}) true positives per patient, {verdict} (probability it is the best policy "
        f"{pct(m['prob_best'])})."
    )


def evidence(t: float, rows: pd.DataFrame) -> None:
    """Decision curves, and the three policies at the chosen threshold."""
    st.subheader("Evidence: decision curves")
    st.caption(
        f"The three policies at your threshold of {t:.1%}; the curves below show every threshold."
    )
    table = rows.reset_index()[
        [
            "model",
            "net_benefit",
            "net_benefit_lower",
            "net_benefit_upper",
            "pos_rate",
            "tp_rate",
            "fp_rate",
            "prob_best",
        ]
    ]
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "model": "Policy",
            "net_benefit": st.column_config.NumberColumn("Net benefit", format="%.4f"),
            "net_benefit_lower": st.column_config.NumberColumn(
                f"{INTERVAL:.0%} low", format="%.4f"
            ),
            "net_benefit_upper": st.column_config.NumberColumn(
                f"{INTERVAL:.0%} high", format="%.4f"
            ),
            "pos_rate": st.column_config.NumberColumn(
                "Treated", format="percent", help="Share of all patients treated."
            ),
            "tp_rate": st.column_config.NumberColumn(
                "Events caught",
                format="percent",
                help="Treated patients with an event, as a share of all patients.",
            ),
            "fp_rate": st.column_config.NumberColumn(
                "Unnecessary",
                format="percent",
                help="Treated patients without an event, as a share of all patients.",
            ),
            "prob_best": st.column_config.NumberColumn("P(best policy)", format="percent"),
        },
    )
    dc = curve()
    chart = decision_curve_chart(
        dc.to_frame(),
        dc.prevalence,
        threshold=t,
        x_max=float(GRID[-1]),
        title=f"Net benefit of treating by the model (band: {INTERVAL:.0%} posterior interval; "
        "dashed: your threshold)",
    )
    st.altair_chart(chart, width="stretch")
    low, high = dc.useful_range(MODEL)
    if np.isfinite(low):
        st.caption(
            f"On the thresholds shown (0% to {GRID[-1]:.0%}), the model beats treating everyone "
            f"and treating no one from {low:.0%} to {high:.0%}. Net benefit counts true "
            "positives per patient minus false positives weighted by the odds of the threshold "
            "(Vickers & Elkin 2006)."
        )
    else:
        st.caption("The model never beats both treating everyone and treating no one.")


def one_patient(t: float, setting: dict) -> None:
    """Look up one patient: posterior risk distribution and recommendation."""
    st.subheader("One patient")
    how = st.radio("Look up a patient by", [BY_ROW, BY_FEATURES], horizontal=True, key="lookup")
    data = cohort()
    if how == BY_ROW:
        row = st.number_input(
            f"Row number in the cohort (1 to {len(data):,})", 1, len(data), 1, key="row"
        )
        features = data.iloc[[row - 1]]
        st.dataframe(features, hide_index=True)
        draws = cohort_risk_draws()[:, row - 1]
        label = f"Patient in row {row}"
    else:
        features = patient_inputs(key="tp")
        draws = bundled_model().predict_risk(features[PREDICTORS])[:, 0]
        label = "The patient you entered"
    rule = {k: setting[k] for k in ("benefit", "harm", "threshold") if k in setting}
    rec = dk.threshold.recommend_treatment(draws.values[:, None], prob=INTERVAL, **rule)
    r = rec.table.iloc[0]
    with st.container(key="patient"):
        cols = st.columns(3)
        cols[0].metric("Recommendation", r["recommended"])
        cols[1].metric("Probability treating is better", pct(r["prob_treat_better"]))
        cols[2].metric(
            "Predicted risk",
            f"{r['risk']:.1%}",
            help=f"Posterior mean; {INTERVAL:.0%} interval {r['risk_lower']:.1%} to "
            f"{r['risk_upper']:.1%}.",
        )
        st.markdown(
            f"{label}: predicted risk {r['risk']:.1%} ({INTERVAL:.0%} interval "
            f"{r['risk_lower']:.1%} to {r['risk_upper']:.1%}) against a threshold of {t:.1%}: "
            f"**{r['recommended'].lower()}**; treating is the better choice in "
            f"{pct(r['prob_treat_better'])} of the posterior draws."
        )
    st.altair_chart(
        risk_histogram(
            draws.values, threshold=t, title=f"{label}: posterior risk (dashed: threshold)"
        ),
        width="stretch",
    )


# ---------------------------------------------------------------------- page
st.title("Treat or not?")
st.caption(
    "Decision curves of a Bayesian risk model on the bundled cohort of 2,000 simulated "
    "adults (10-year cardiovascular events; think statins): whom to treat, given the "
    "benefit and harm of treatment, with the posterior uncertainty of the model."
)
rec_box = st.container(key="recommendation")
evidence_box = st.container()
with st.container(key="knobs"):
    try:
        threshold, setting = threshold_knobs()
        rows = at_threshold(threshold)
    except ValidationError as exc:
        st.error(str(exc))
        st.stop()
with rec_box:
    recommendation(threshold, rows, curve().prevalence, setting)
with evidence_box:
    evidence(threshold, rows)
one_patient(threshold, setting)
