"""Survival extrapolation: fits over Kaplan-Meier, model choice, and the cost-effectiveness.

The analysis lives in decisionkit.models.survival (kaplan_meier, fit_distributions,
average_models, PartitionedSurvivalModel), dk.cea.analyze and dk.plot; this page wires widgets
to those calls: recommendation first, then the evidence (fits and AIC per endpoint), then the
knobs (model choice, costs, utilities, willingness to pay).
"""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import streamlit as st
from _charts import ceac_chart
from _data import session_cached, uploader
from _layout import currency, show_spec, spec

import decisionkit as dk
from decisionkit import formatting as fmt
from decisionkit.exceptions import EstimationWarning, ValidationError
from decisionkit.io import read_survival_csv
from decisionkit.models.survival import (
    PartitionedSurvivalModel,
    average_models,
    fit_distributions,
    kaplan_meier,
)

N_DRAWS = 500  # PSA draws of the survival parameters (a second or two)
SEED = 13
DISTRIBUTIONS = ("exponential", "weibull", "gompertz", "loglogistic", "lognormal", "gengamma")
AVERAGE = "AIC-weighted average of all six"
ENDPOINTS = ("PFS", "OS")
UNITS = {"months": 12.0, "weeks": 52.0, "years": 1.0, "days": 365.25}
# default treatment (cost per month, months): comparator chemotherapy, new drug (example 07)
DEFAULT_DRUG = ((1_000, 6), (1_750, 12))
BUNDLED = {
    "arm": "arm",
    "PFS": ("pfs_months", "pfs_event"),
    "OS": ("os_months", "os_event"),
    "unit": "months",
}


# ---------------------------------------------------------------------- data and fits (cached)
@st.cache_data(max_entries=1, show_spinner=False)
def bundled_trial() -> pd.DataFrame:
    return dk.datasets.load_oncology_trial()


@st.cache_data(max_entries=8, show_spinner=False)
def read_upload(file_id: str, _upload) -> pd.DataFrame:
    _upload.seek(0)
    return read_survival_csv(_upload)


@st.cache_resource(max_entries=16, show_spinner="Fitting six survival models…")
def fits_for(key: str, _frame: pd.DataFrame, time: str, event: str, arm: str) -> dict:
    """Six MLE fits with the arm as a covariate, and the Kaplan-Meier curves by arm."""
    columns = {"time": time, "event": event, "covariates": [arm]}
    fits = fit_distributions(_frame, DISTRIBUTIONS, **columns)
    km = kaplan_meier(_frame, time=time, event=event, by=arm)
    return {"fits": fits, "km": km, "average": average_models(fits, weights="aic")}


# ---------------------------------------------------------------------- sections
def data_source():
    with st.container(border=True):
        return uploader(
            "Upload a time-to-event table, or use the bundled simulated oncology trial",
            key="upload",
            help="One row per patient: an arm column, and a time and an event column (1 = "
            "event, 0 = censored) for progression-free survival and for overall survival.",
        )


def column_choice(frame: pd.DataFrame) -> dict:
    """Which columns hold the arm, PFS and OS, and the time unit (guessed, then chosen)."""
    cols = list(frame.columns)

    def pick(label: str, guess: str, key: str) -> str:
        hits = [c for c in cols if guess in str(c).lower()]
        index = cols.index(hits[0]) if hits else 0
        return st.selectbox(label, cols, index=index, key=key)

    st.markdown("**Columns of your file**")
    a, b, c, d, e, f = st.columns(6)
    with a:
        arm = pick("Arm", "arm", "col_arm")
    with b:
        pfs_t = pick("PFS time", "pfs", "col_pfs_time")
    with c:
        pfs_e = pick("PFS event", "pfs_e", "col_pfs_event")
    with d:
        os_t = pick("OS time", "os", "col_os_time")
    with e:
        os_e = pick("OS event", "os_e", "col_os_event")
    with f:
        unit = st.selectbox("Time unit", list(UNITS), key="unit")
    return {"arm": arm, "PFS": (pfs_t, pfs_e), "OS": (os_t, os_e), "unit": unit}


def model_choice(endpoint: str, fitted: dict) -> tuple[str, object]:
    """The AIC table and the chosen model (or the AIC-weighted average) for one endpoint."""
    weights = fitted["average"].weights
    table = pd.DataFrame(
        {
            "distribution": list(fitted["fits"]),
            "AIC": [m.aic_ for m in fitted["fits"].values()],
            "AIC weight": [float(weights[name]) for name in fitted["fits"]],
        }
    ).sort_values("AIC")
    table["ΔAIC"] = table["AIC"] - table["AIC"].min()
    best = str(table["distribution"].iloc[0])
    options = [best, *[d for d in fitted["fits"] if d != best], AVERAGE]
    choice = st.selectbox(
        f"{endpoint} model",
        options,
        format_func=lambda o: f"{o} (lowest AIC)" if o == best else o,
        key=f"model_{endpoint}",
        help="AIC ranks the fits within the trial's follow-up only. The average picks a model "
        "per PSA draw with probability equal to its AIC weight, so the draws carry the "
        "uncertainty about which extrapolation is right.",
    )
    st.dataframe(
        table[["distribution", "AIC", "ΔAIC", "AIC weight"]],
        hide_index=True,
        column_config={
            "distribution": "Distribution",
            "AIC": st.column_config.NumberColumn(format="%.1f"),
            "ΔAIC": st.column_config.NumberColumn(format="%.1f"),
            "AIC weight": st.column_config.NumberColumn(format="%.3f"),
        },
    )
    model = fitted["average"] if choice == AVERAGE else fitted["fits"][choice]
    return choice, model


def png(fig) -> bytes:
    """The figure as PNG bytes, as st.pyplot draws it (200 dpi, tight box), then closed.

    Figures that do not change with the sliders are cached as these bytes: st.pyplot would
    render them again on every rerun (~0.3 s each at 200 dpi).
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


@st.cache_resource(max_entries=16, show_spinner=False)
def fits_figure(key: str, endpoint: str, _fitted: dict, arms: tuple[str, ...], unit: str):
    """The six fits over the Kaplan-Meier curve of each arm, extrapolated to 3x follow-up.

    Cached per data and endpoint as PNG bytes: drawing 12 fitted curves takes a second or two.
    """
    fig, axes = plt.subplots(1, len(arms), figsize=(5.5 * len(arms), 3.6), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, arm in zip(axes, arms, strict=True):
        dk.plot.survival_fits(
            _fitted["fits"],
            km=_fitted["km"],
            group=arm,
            covariates={_fitted["arm"]: arm},
            ci=None,
            ax=ax,
        )
        ax.set_title(f"{endpoint}: {arm}")
        ax.set_xlabel(f"Time ({unit})")
        ax.legend(fontsize="x-small", frameon=False)
    fig.tight_layout()
    return png(fig)


def costs_knobs(arms: list[str]) -> dict:
    st.markdown("**Costs (per month) and utilities**")
    cols = st.columns(len(arms))
    drugs = {}
    for i, (col, arm) in enumerate(zip(cols, arms, strict=True)):
        default = DEFAULT_DRUG[min(i, 1)]  # comparator first: chemotherapy; others: new drug
        with col:
            cost = st.number_input(
                f"{arm}: treatment cost", 0, 100_000, default[0], 250, key=f"drug_{arm}"
            )
            months = st.number_input(
                f"{arm}: months of treatment (while progression-free)",
                1,
                120,
                default[1],
                key=f"months_{arm}",
            )
        drugs[arm] = (12.0 * cost, months / 12)
    a, b, c, d = st.columns(4)
    c_pf = a.number_input("Care while progression-free", 0, 50_000, 800, 100, key="c_pf")
    c_prog = b.number_input("Care after progression", 0, 50_000, 1_500, 100, key="c_prog")
    u_pf = c.slider("Utility progression-free", 0.0, 1.0, 0.75, 0.01, key="u_pf")
    u_prog = d.slider("Utility progressed", 0.0, 1.0, 0.60, 0.01, key="u_prog")
    return {
        "drugs": drugs,
        "c_pf": 12.0 * c_pf,
        "c_prog": 12.0 * c_prog,
        "u_pf": u_pf,
        "u_prog": u_prog,
    }


@st.cache_resource(max_entries=32, show_spinner="Running the partitioned survival model…")
def run_psm(
    key: str, _models: dict, arms: tuple, arm_col: str, knobs: dict, horizon: int, scale: float
):
    """The PSM over N_DRAWS survival draws (cached per data, models and inputs, not per wtp)."""
    models = _models
    model = PartitionedSurvivalModel(
        ["PFS", "OS"],
        strategies=list(arms),
        horizon=horizon,
        state_costs={"Progression-free": knobs["c_pf"], "Progressed": knobs["c_prog"]},
        state_utilities={"Progression-free": knobs["u_pf"], "Progressed": knobs["u_prog"]},
        time_costs={"Progression-free": knobs["drugs"]},
    )
    sources = {a: {ep: (models[ep], {arm_col: a}) for ep in ENDPOINTS} for a in arms}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EstimationWarning)
        result = model.run(sources, n_draws=N_DRAWS, random_seed=SEED, time_scale=scale)
    return result, [str(w.message) for w in caught if issubclass(w.category, EstimationWarning)]


def consequence(result, wtp: int, comparator: str, notes: list[str]) -> None:
    ce = dk.cea.analyze(
        result.outcomes, cost="cost", effect="qaly", wtp=np.arange(0, 200_001, 2_000)
    )
    u = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=wtp)
    decision = dk.decide(result.outcomes, u)
    table = decision.table.set_index("action")
    means = result.summary
    others = [a for a in result.strategies if a != comparator]
    best = decision.best
    sym = currency()
    left, mid, right = st.columns(3)
    left.metric("Recommended at this willingness to pay", best)
    mid.metric("Probability it is the most cost-effective", f"{table.loc[best, 'prob_best']:.0%}")
    if others:
        new = others[0]
        d_cost = means.loc[new, "cost"] - means.loc[comparator, "cost"]
        d_qaly = means.loc[new, "qaly"] - means.loc[comparator, "qaly"]
        icer = d_cost / d_qaly if d_qaly > 0 else float("nan")
        right.metric(
            f"ICER of {new} vs {comparator}",
            f"{fmt.money(icer, sym)} per QALY" if np.isfinite(icer) else "no QALY gain",
            help=f"Incremental cost {fmt.money(d_cost, sym)} for {d_qaly:.3f} QALYs (means over "
            f"{result.n_draws} PSA draws of the survival parameters).",
        )
    for note in notes:
        st.warning(note)
    st.dataframe(
        fmt.table(means.reset_index(), {"cost": lambda v: fmt.money(v, sym)}),
        hide_index=True,
        column_config={
            "strategy": "Strategy",
            "cost": "Mean cost",
            "qaly": st.column_config.NumberColumn("QALYs", format="%.3f"),
            "life_years": st.column_config.NumberColumn("Life years", format="%.3f"),
            **{
                c: st.column_config.NumberColumn(c.replace("years: ", "Years "), format="%.3f")
                for c in means.columns
                if c.startswith("years: ")
            },
        },
    )
    # per result (the cached PSM run, kept alive by the entry so its id stays unique): the
    # CEAC spec and the endpoint curves' image; a slider step only moves the wtp rule
    _, ceac_spec, curves = session_cached(
        ("survival_figures", id(result), sym),
        lambda: (result, spec(ceac_chart(ce, ce.ceac(), sym.strip(), "QALY")), curves_png(result)),
    )
    left, right = st.columns(2)
    show_spec(ceac_spec, left, datasets={"wtp_rule": [{"wtp": wtp}]})
    right.image(curves)


def curves_png(result) -> bytes:
    """The endpoint curves that partition the cohort (they do not depend on the wtp)."""
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    dk.plot.psm_curves(result, max_time=10, ax=ax)
    fig.tight_layout()
    return png(fig)


# ---------------------------------------------------------------------- page
def main() -> None:
    st.title("Survival extrapolation")
    st.caption(
        "Which survival model should extrapolate the trial, and does the choice change whether "
        "the new treatment is cost-effective? Fits over the Kaplan-Meier curves with AIC, "
        "then a partitioned survival model (progression-free, progressed, dead)."
    )
    upload = data_source()
    try:
        if upload is None:
            frame, cols, key = bundled_trial(), BUNDLED, "bundled"
            st.caption(
                "Data: the bundled simulated trial (dk.datasets.load_oncology_trial), 500 "
                "patients in two arms, times in months."
            )
        else:
            frame = read_upload(upload.file_id, upload)
            cols = column_choice(frame)
            key = f"{upload.file_id}:{cols}"
        arm_col = cols["arm"]
        arms = [str(a) for a in pd.unique(frame[arm_col])]
        if len(arms) < 2:
            raise ValidationError(
                f"The arm column {arm_col!r} has a single value; a comparison needs two arms."
            )
        fitted = {}
        for ep in ENDPOINTS:
            time, event = cols[ep]
            fitted[ep] = {**fits_for(f"{key}:{ep}", frame, time, event, arm_col), "arm": arm_col}
    except (ValidationError, KeyError, TypeError) as exc:
        st.error(f"This file cannot be used. {exc}")
        return
    answer = st.container(key="recommendation")
    models, labels = {}, {}
    tabs = st.tabs([f"{ep}: fits and AIC" for ep in ENDPOINTS])
    for tab, ep in zip(tabs, ENDPOINTS, strict=True):
        with tab:
            labels[ep], models[ep] = model_choice(ep, fitted[ep])
            st.image(fits_figure(f"{key}:{ep}", ep, fitted[ep], tuple(arms), cols["unit"]))
    with st.container(key="knobs"):
        st.subheader("Settings")
        comparator = st.selectbox(
            "Comparator (standard care)",
            arms,
            index=arms.index("Standard care") if "Standard care" in arms else 0,
            key="comparator",
        )
        order = [comparator, *[a for a in arms if a != comparator]]
        left, right = st.columns(2)
        sym = currency()
        wtp = left.slider(
            f"Willingness to pay ({sym.strip()} per QALY)",
            0,
            150_000,
            50_000,
            1_000,
            format=f"{sym}%,d",
            key="wtp",
        )
        horizon = right.slider("Time horizon (years)", 5, 40, 30, key="horizon")
        knobs = costs_knobs(order)
    with answer:
        st.subheader("The cost-effectiveness consequence")
        st.caption(
            f"PFS: {labels['PFS']}; OS: {labels['OS']}. Costs and QALYs discounted at 3.5% a "
            f"year; {N_DRAWS} draws of the survival parameters."
        )
        try:
            run_key = f"{key}:{labels}"
            result, notes = run_psm(
                run_key, models, tuple(order), arm_col, knobs, horizon, UNITS[cols["unit"]]
            )
        except ValidationError as exc:
            st.error(str(exc))
            return
        consequence(result, wtp, comparator, notes)


main()
