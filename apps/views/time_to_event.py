"""Decision curves over time: net benefit of treating by a risk model when the outcome is an
event by a time horizon, and other events (death from other causes) can come first.

Reading is decisionkit.io.read_survival_csv; the decision curve (Aalen-Johansen cumulative
incidence with the competing events the user declares) is dk.threshold.decision_curve. The
page maps the columns and the event codes, wires widgets to those calls and shows the
results: recommendation first, then the evidence, then the settings.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from _data import digest, session_cached, uploader
from _layout import chart as show
from _layout import csv_download, safe, show_error
from _risk import decision_curve_chart

import decisionkit as dk
from decisionkit import formatting as fmt
from decisionkit.exceptions import ValidationError
from decisionkit.io import read_survival_csv

DEMO = Path(__file__).resolve().parents[1] / "data" / "dcurves_df_surv.csv"
DEMO_COLUMNS = {"time": "ttcancer", "event": "cancer_cr", "risks": ["cancerpredmarker"]}
THRESHOLD_MAX = 0.8
METRIC_CHARS = 18  # longest name st.metric shows whole in a third of a 1,400-pixel page


# ---------------------------------------------------------------------- data
def data_source() -> tuple[pd.DataFrame, str, str] | None:
    """The table (uploaded or the dcurves example cohort), its cache key and its name."""
    with st.container(border=True):
        upload = uploader(
            "Upload a patient table, or use the example cohort of dcurves",
            key="tte_upload",
            help="One row per patient: a follow-up time, an event column and one column of "
            "predicted risks (probabilities between 0 and 1) per model. The event column may "
            "hold several codes: the event of interest, competing events, and censoring.",
        )
    if upload is None:
        frame = session_cached(("tte_demo",), lambda: read_survival_csv(DEMO))
        return frame, "demo", "the example cohort of dcurves (750 patients, MIT licence)"
    try:
        sha = digest(upload)
        frame = session_cached(("tte", sha), lambda: read_survival_csv(upload))
    except ValidationError as exc:
        show_error(exc)
        return None
    return frame, sha, f"your file {safe(upload.name)}"


def _guess(cols: list[str], words: tuple[str, ...], fallback: int) -> int:
    for word in words:
        hits = [i for i, c in enumerate(cols) if word in str(c).lower()]
        if hits:
            return hits[0]
    return min(fallback, len(cols) - 1)


def column_choice(frame: pd.DataFrame, key: str) -> dict:
    """Which columns hold the follow-up time, the event codes and the risks."""
    cols = [str(c) for c in frame.columns]
    demo = key == "demo"
    st.markdown("**Columns of your table**")
    left, mid, right = st.columns(3)
    guess_t = cols.index(DEMO_COLUMNS["time"]) if demo else _guess(cols, ("time", "tt"), 0)
    guess_e = (
        cols.index(DEMO_COLUMNS["event"])
        if demo
        else _guess(cols, ("status", "event", "outcome"), 1)
    )
    time_col = left.selectbox("Follow-up time", cols, index=guess_t, key="tte_time")
    event_col = mid.selectbox("Event (codes)", cols, index=guess_e, key="tte_event")
    others = [c for c in cols if c not in (time_col, event_col)]
    default = DEMO_COLUMNS["risks"] if demo else [c for c in others if "risk" in c.lower()][:3]
    risks = right.multiselect(
        "Predicted risks (one column per model)",
        others,
        default=default,
        key=f"tte_risks_{key[:12]}",  # a new table gets its own guess
    )
    return {"time": time_col, "event": event_col, "risks": risks}


def event_codes(values: pd.Series) -> dict | None:
    """The competing-events control: what each code of the event column means."""
    codes = [str(c) for c in pd.unique(values.dropna().astype(str))]
    if len(codes) > 20:
        st.error(
            f"The event column holds {len(codes)} different values; it should hold a few "
            "codes (censored, the event of interest, competing events). Choose another column."
        )
        return None
    st.markdown("**What each event code means**")
    a, b, c = st.columns(3)
    censor_guess = _guess(codes, ("censor", "0", "alive", "none"), 0)
    censored = a.selectbox("Censored (no event yet)", codes, index=censor_guess, key="tte_cens")
    rest = [c for c in codes if c != censored]
    if not rest:
        st.error("Every patient is censored: the event column holds no event.")
        return None
    interest = b.selectbox(
        "Event of interest", rest, index=_guess(rest, ("1", "cancer", "event"), 0), key="tte_eoi"
    )
    left = [c for c in rest if c != interest]
    competing = c.multiselect(
        "Competing events (they prevent the event of interest)",
        left,
        default=left,
        key=f"tte_competing_{censored}_{interest}",  # fresh defaults when the roles change
        help="Events after which the event of interest can no longer happen, e.g. death from "
        "other causes. They are not censoring: a patient who died cannot be diagnosed later.",
    )
    undeclared = [c for c in left if c not in competing]
    if undeclared:
        st.error(
            f"The event column also holds {', '.join(safe(c) for c in undeclared)}. Say what "
            "each code means: add it to the competing events (or pick it as the censoring "
            "code). Treating an event as censoring would overstate the risk.",
            icon=":material/error:",
        )
        return None
    return {"censored": censored, "event_of_interest": interest, "competing": tuple(competing)}


# ---------------------------------------------------------------------- analysis (cached)
def curves(frame: pd.DataFrame, key: str, cols: dict, codes: dict, horizon: float) -> tuple:
    """The competing-risks decision curve and the one treating competing events as censored."""
    events = frame[cols["event"]].astype(str)
    common = {
        "time_to_event": frame[cols["time"]],
        "horizon": horizon,
        "event_of_interest": codes["event_of_interest"],
        "nia_per": 100,
    }
    risks = frame[cols["risks"]]
    ident = (key, cols["time"], cols["event"], tuple(cols["risks"]), horizon)
    proper = session_cached(
        ("tte_cr", *ident, codes["competing"]),
        lambda: dk.threshold.decision_curve(
            events, risks, competing=codes["competing"], censored=codes["censored"], **common
        ),
    )
    naive = session_cached(
        ("tte_naive", *ident, codes["competing"]),
        lambda: dk.threshold.decision_curve(
            events, risks, competing=(), censored=(codes["censored"], *codes["competing"]), **common
        ),
    )
    return proper, naive


# ---------------------------------------------------------------------- display
def recommendation(dc, naive, threshold: float, horizon: float, codes: dict) -> None:
    rows = dc.at(threshold).set_index("model")
    best = rows["net_benefit"].idxmax()
    chosen = rows.loc[best]
    left, mid, right = st.columns(3)
    # st.metric cuts a value wider than its column with "…": a long model name is given in
    # full in a caption under a short value
    long_name = len(str(best)) > METRIC_CHARS
    left.metric("Recommended policy", "Treat by the model" if long_name else safe(best))
    if long_name:
        left.caption(f"The model: **{safe(best)}**")
    mid.metric(
        "Net benefit",
        f"{fmt.number(chosen['net_benefit'] * 100)} per 100",
        help="Events of interest caught per 100 patients minus unnecessary treatments weighted "
        "by the odds of the threshold (Vickers & Elkin 2006).",
    )
    right.metric(
        f"Risk of {safe(codes['event_of_interest'])} by time {horizon:g}",
        f"{dc.prevalence:.1%}",
        help="Cumulative incidence (Aalen-Johansen): the competing events are not censoring.",
    )
    naive_nb = naive.at(threshold).set_index("model").loc[best, "net_benefit"]
    verb = best not in ("Treat all", "Treat none")
    how = (
        f"treat the patients whose risk from **{safe(best)}** is at least {threshold:.0%}"
        if verb
        else f"**{safe(best).lower()}**"
    )
    text = f"At a treatment threshold of {threshold:.0%} and a horizon of {horizon:g}, {how}."
    if codes["competing"] and best != "Treat none":
        text += (
            f" Treating {', '.join(safe(c) for c in codes['competing'])} as censoring instead "
            f"would give a net benefit of {fmt.number(naive_nb * 100)} per 100 rather than "
            f"{fmt.number(chosen['net_benefit'] * 100)}: it overstates the risk."
        )
    st.markdown(text)


def settings(frame: pd.DataFrame, cols: dict, demo: bool) -> tuple[float, float]:
    times = pd.to_numeric(frame[cols["time"]], errors="coerce")
    top = float(times.max()) if times.notna().any() else 2.0
    left, right = st.columns(2)
    horizon = left.number_input(
        "Time horizon (the unit of the time column)",
        min_value=0.0,
        value=1.5 if demo else round(top / 2, 2),
        key="tte_horizon",
        help="Net benefit counts the events of interest up to this time.",
    )
    threshold = right.slider(
        "Treatment threshold: treat when the risk is at least",
        0.01,
        THRESHOLD_MAX,
        0.10,
        step=0.01,
        format="percent",
        key="tte_threshold",
    )
    return float(horizon), float(threshold)


# ---------------------------------------------------------------------- page
st.title("Decision curves over time")
st.caption(
    "Does treating by a risk model help when the outcome is an event by a time horizon, and "
    "other events, such as death from other causes, can come first?"
)
found = data_source()
if found is not None:
    frame, key, source = found
    demo = key == "demo"
    st.caption(f"Data: {source}: {fmt.count(len(frame))} patients.")
    rec_box = st.container(key="recommendation")
    evidence_box = st.container()
    with st.container(key="knobs"):
        st.subheader("Settings")
        cols = column_choice(frame, key)
        codes = event_codes(frame[cols["event"]])
        horizon, threshold = settings(frame, cols, demo)
    numeric = pd.to_numeric(frame[cols["time"]], errors="coerce").notna().all()
    if codes is not None and not numeric:
        st.error(
            f"The column {safe(cols['time'])} does not hold follow-up times (numbers) for every "
            "patient. Choose the follow-up time column, and drop patients without one.",
            icon=":material/error:",
        )
    elif codes is not None and not cols["risks"]:
        st.error("Choose at least one column of predicted risks.", icon=":material/error:")
    elif codes is not None and horizon <= 0:
        st.error("Set a time horizon above 0.", icon=":material/error:")
    elif codes is not None:
        try:
            dc, naive = curves(frame, key, cols, codes, horizon)
        except ValidationError as exc:
            show_error(exc, "These columns and codes cannot be used.")
        else:
            with rec_box:
                recommendation(dc, naive, threshold, horizon, codes)
            with evidence_box:
                st.subheader("Evidence")
                show(
                    decision_curve_chart(
                        dc.to_frame(),
                        dc.prevalence,
                        threshold=threshold,
                        x_max=THRESHOLD_MAX,
                        title=f"Net benefit by time {horizon:g}, competing events accounted for",
                    )
                )
                st.caption(
                    "Risk among the patients treated at each threshold: cumulative incidence "
                    "of the event of interest (Aalen-Johansen), with the competing events "
                    "preventing it rather than censored. Dashed: the chosen threshold. Gaps: "
                    "thresholds where follow-up of the treated patients ends before the horizon."
                )
                csv_download(dc.to_frame(), "decision_curves_over_time.csv")
