"""Bayesian risk model: fit dk.models.BayesianLogisticRisk, check it, predict one patient.

The page opens on the precomputed posterior bundled with the package (no sampling); a refit
happens only when the settings form is submitted, and fits are cached by data hash and
settings. Parsing is decisionkit.io.read_predictor_csv; diagnostics come from the model's
``diagnostics_``; the patient's risk interval and recommendation from
dk.threshold.recommend_treatment.
"""

from __future__ import annotations

import threading
import time
import warnings

import pandas as pd
import streamlit as st
from _data import MAX_MB, digest, session_cached, uploader
from _layout import safe, show_error
from _risk import (
    INTERVAL,
    OUTCOME,
    PREDICTORS,
    bundled_model,
    cohort,
    patient_inputs,
    pct,
    risk_histogram,
)

import decisionkit as dk
from decisionkit.exceptions import ConvergenceWarning, ValidationError
from decisionkit.io import read_predictor_csv

BUNDLED, UPLOAD = "Bundled cohort (2,000 simulated adults)", "Upload a CSV file"
MAX_FITS = 4  # fits of the bundled cohort kept in memory (shared by every session)
# Bounds on a fit any session can start (issue 18.8): at most MAX_CHAINS x MAX_DRAWS draws
# after MAX_TUNE tuning steps, and one fit at a time on the server (FIT_LOCK).
MAX_DRAWS, MAX_TUNE, MAX_CHAINS = 2_000, 2_000, 2
DEFAULTS = {
    "draws": 500,
    "tune": 1000,
    "chains": 2,
    "prior_intercept_sd": 2.5,
    "prior_coef_sd": 1.0,
    "seed": 11,
}
KINDS = {"eti": "equal-tailed", "hdi": "highest-density"}
FORMAT = """One row per patient: a 0/1 outcome column (1 = event) and numeric predictor columns
(one-hot encode categories as 0/1 columns). UTF-8 CSV, read with pandas only; at most
{max_mb} MB.

```
age,male,sbp,event
63,1,141,0
71,0,158,1
```
"""


# ---------------------------------------------------------------------- data
@st.cache_resource
def fit_lock() -> threading.Lock:
    """One fit at a time on this server, whichever session asks (shared by every session)."""
    return threading.Lock()


def data_source() -> tuple[str, pd.Series, pd.DataFrame, str]:
    """(data key, outcome, predictors, description) of the bundled cohort or the upload."""
    with st.container(border=True):
        left, right = st.columns([1, 2])
        source = left.radio("Data", [BUNDLED, UPLOAD], key="source")
        if source == BUNDLED:
            data = cohort()
            return "bundled", data[OUTCOME], data[PREDICTORS], "the bundled cohort"
        with right:
            upload = uploader("Cohort file", key="upload_cohort")
        outcome = right.text_input("Outcome column (1 = event, 0 = none)", OUTCOME, key="outcome")
        with right.expander("Accepted file format"):
            st.markdown(FORMAT.format(max_mb=MAX_MB))
    if upload is None:
        st.info("Upload a cohort to fit the model on it, or choose the bundled cohort.")
        st.stop()
    sha = digest(upload)
    try:
        y, X = session_cached(
            ("cohort", sha, outcome), lambda: read_predictor_csv(upload, outcome=outcome)
        )
    except ValidationError as exc:
        show_error(exc)
        st.stop()
    return sha, y, X, f"your file {safe(upload.name)}"


# ---------------------------------------------------------------------- fitting
@st.cache_resource
def fitted_models() -> dict:
    """Fitted models keyed by (data hash, predictors, settings); at most MAX_FITS."""
    return {}


def settings_form(X: pd.DataFrame, data_key: str) -> None:
    """Sampler settings and priors; a submit stores a fit request in the session."""
    with st.form("fit_settings"):
        st.markdown(
            "**Fit the model** (takes about 5 to 15 s; only runs when you press the button)"
        )
        predictors = st.multiselect(
            "Predictors",
            list(X.columns),
            default=list(X.columns),
            key=f"predictors_{data_key[:12]}",
        )
        c1, c2, c3 = st.columns(3)
        draws = c1.number_input(
            "Draws per chain", 20, MAX_DRAWS, DEFAULTS["draws"], step=100, key="draws"
        )
        tune = c2.number_input(
            "Tuning steps per chain", 20, MAX_TUNE, DEFAULTS["tune"], step=100, key="tune"
        )
        chains = c3.number_input("Chains", 1, MAX_CHAINS, DEFAULTS["chains"], key="chains")
        c1, c2, c3 = st.columns(3)
        intercept_sd = c1.number_input(
            "Prior sd of the intercept (log-odds)",
            0.1,
            20.0,
            DEFAULTS["prior_intercept_sd"],
            step=0.5,
            key="prior_intercept_sd",
        )
        coef_sd = c2.number_input(
            "Prior sd of each coefficient (log-odds ratio per sd of the predictor)",
            0.05,
            10.0,
            DEFAULTS["prior_coef_sd"],
            step=0.25,
            key="prior_coef_sd",
        )
        seed = c3.number_input("Random seed", 0, 2**31 - 1, DEFAULTS["seed"], key="seed")
        submitted = st.form_submit_button("Fit the model", type="primary")
    if submitted:
        if not predictors:
            st.error("Choose at least one predictor, then press 'Fit the model' again.")
            st.stop()
        st.session_state["fit_request"] = {
            "data": data_key,
            "predictors": tuple(predictors),
            "draws": int(draws),
            "tune": int(tune),
            "chains": int(chains),
            "prior_intercept_sd": float(intercept_sd),
            "prior_coef_sd": float(coef_sd),
            "seed": int(seed),
        }


def fit(key: tuple, request: dict, y: pd.Series, X: pd.DataFrame):
    """The cached fit for ``key``, or a new one with visible progress (one at a time).

    Fits of the bundled cohort are shared by every session; fits of an upload stay in the
    session that uploaded it.
    """
    store = fitted_models() if key[0] == "bundled" else st.session_state.setdefault("_fits", {})
    if key in store:
        return store[key]
    lock = fit_lock()
    if not lock.acquire(blocking=False):
        st.warning(
            "Another fit is running on this server; the dashboard runs one at a time. Press "
            "'Fit the model' again in a few seconds.",
            icon=":material/hourglass:",
        )
        st.stop()
    try:
        model = _sample(request, y, X)
    finally:
        lock.release()
    while len(store) >= MAX_FITS:
        store.pop(next(iter(store)))
    store[key] = model
    return model


def _sample(request: dict, y: pd.Series, X: pd.DataFrame):
    """Run the sampler with visible progress."""
    cols = list(request["predictors"])
    with st.status(
        f"Fitting: {request['chains']} chain(s) × {request['draws']:,} draws after "
        f"{request['tune']:,} tuning steps, {len(X):,} patients, {len(cols)} predictors...",
        expanded=True,
    ) as status:
        st.write("Compiling the model and running the NUTS sampler (PyMC), one core.")
        start = time.perf_counter()
        model = dk.models.BayesianLogisticRisk(
            prior_intercept_sd=request["prior_intercept_sd"],
            prior_coef_sd=request["prior_coef_sd"],
            draws=request["draws"],
            tune=request["tune"],
            chains=request["chains"],
            cores=1,
            random_seed=request["seed"],
            progressbar=False,
        )
        with warnings.catch_warnings():
            # the diagnostics are reported on the page in plain words instead
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X[cols], y)
        status.update(
            label=f"Fitted in {time.perf_counter() - start:.1f} s", state="complete", expanded=False
        )
    return model


# ---------------------------------------------------------------------- display
def diagnostics(model) -> None:
    """r_hat, bulk ESS and divergences in plain words, green / amber / red."""
    st.subheader("Can the sampler be trusted?")
    d = model.diagnostics_
    rhat, ess, div = d["max_rhat"], d["min_ess_bulk"], d["n_divergences"]
    n_draws = model.intercept_draws_.size
    cols = st.columns(3)
    with cols[0]:
        if rhat <= dk.models.RHAT_MAX:
            st.badge("Chains agree", icon=":material/check_circle:", color="green")
        elif rhat <= 1.05:
            st.badge("Chains roughly agree", icon=":material/warning:", color="orange")
        else:
            st.badge("Chains disagree", icon=":material/error:", color="red")
        st.caption(
            f"Largest r_hat {rhat:.3f} (good: at most {dk.models.RHAT_MAX}). It compares the "
            "chains with each other; above that, run more tuning steps and draws."
        )
    with cols[1]:
        if ess >= dk.models.ESS_MIN:
            st.badge("Enough effective draws", icon=":material/check_circle:", color="green")
        elif ess >= 100:
            st.badge("Few effective draws", icon=":material/warning:", color="orange")
        else:
            st.badge("Too few effective draws", icon=":material/error:", color="red")
        st.caption(
            f"Smallest bulk effective sample size {ess:,.0f} of {n_draws:,} draws (good: at "
            f"least {dk.models.ESS_MIN:.0f}). Fewer means noisy estimates; increase the draws."
        )
    with cols[2]:
        if div == 0:
            st.badge("No divergences", icon=":material/check_circle:", color="green")
        elif div <= 0.005 * n_draws:
            st.badge(f"{div} divergences", icon=":material/warning:", color="orange")
        else:
            st.badge(f"{div} divergences", icon=":material/error:", color="red")
        st.caption(
            "Divergent transitions mean the sampler could not explore part of the posterior; "
            "any are a warning sign (raise the tuning steps, or tighten the priors)."
        )


@st.cache_data(max_entries=16, show_spinner=False)
def coefficient_table(model_key: tuple, _model, kind: str) -> pd.DataFrame:
    """The model's posterior summary (ArviZ) as a display table."""
    table = _model.summary(prob=INTERVAL, kind=kind)
    lb, ub = f"{kind}{INTERVAL * 100:.0f}_lb", f"{kind}{INTERVAL * 100:.0f}_ub"
    table = table[["mean", "sd", lb, ub, "ess_bulk", "r_hat"]].rename(
        columns={lb: "lower", ub: "upper"}
    )
    return table.rename_axis("term").reset_index()


def coefficients(model, model_key: tuple) -> None:
    st.subheader("Coefficients")
    kind = st.radio(
        "Credible interval",
        list(KINDS),
        format_func=lambda k: f"{INTERVAL:.0%} {KINDS[k]} ({k.upper()})",
        horizontal=True,
        key="interval_kind",
    )
    st.dataframe(
        coefficient_table(model_key, model, kind),
        hide_index=True,
        column_config={
            "term": "Term",
            "mean": st.column_config.NumberColumn("Posterior mean", format="%.3f"),
            "sd": st.column_config.NumberColumn("Posterior sd", format="%.3g"),
            "lower": st.column_config.NumberColumn(
                f"{INTERVAL:.0%} interval: lower", format="%.3f"
            ),
            "upper": st.column_config.NumberColumn(
                f"{INTERVAL:.0%} interval: upper", format="%.3f"
            ),
            "ess_bulk": st.column_config.NumberColumn("Bulk ESS", format="%d"),
            "r_hat": st.column_config.NumberColumn("r_hat", format="%.3f"),
        },
    )
    st.caption(
        f"Log-odds ratios per unit of each predictor (e.g. per year of age, per mmHg), with "
        f"the {INTERVAL:.0%} {KINDS[kind]} credible interval; the intercept is the log-odds "
        "when every predictor is 0."
    )


def patient(model, X: pd.DataFrame, data_key: str):
    """One patient's features and threshold -> (risk draws, recommendation row, threshold)."""
    st.subheader("The patient")
    bundled = data_key == "bundled"
    defaults = None if bundled else X.median().to_dict()
    features = patient_inputs(
        key="rm" if bundled else f"rm_{data_key[:12]}",
        columns=model.feature_names_in_,
        defaults=defaults,
    )
    threshold = st.number_input(
        "Treatment threshold (treat when the risk is at least this, in %)",
        1.0,
        99.0,
        10.0,
        step=1.0,
        key="rm_threshold",
    )
    draws = model.predict_risk(features)[:, 0].values
    rec = dk.threshold.recommend_treatment(
        draws[:, None], threshold=threshold / 100, prob=INTERVAL
    ).table.iloc[0]
    return draws, rec, threshold / 100


def headline(rec, threshold: float, source: str, which: str) -> None:
    cols = st.columns(3)
    cols[0].metric("Predicted risk (posterior mean)", f"{rec['risk']:.1%}")
    cols[1].metric(
        f"{INTERVAL:.0%} credible interval", f"{rec['risk_lower']:.1%} to {rec['risk_upper']:.1%}"
    )
    cols[2].metric(f"Treat at a {threshold:.0%} threshold?", rec["recommended"])
    st.markdown(
        f"Under {which} fitted to {source}, the patient below has a predicted risk of "
        f"**{rec['risk']:.1%}** ({INTERVAL:.0%} credible interval {rec['risk_lower']:.1%} to "
        f"{rec['risk_upper']:.1%}); the risk exceeds the {threshold:.0%} threshold in "
        f"{pct(rec['prob_treat_better'])} of the posterior draws."
    )


# ---------------------------------------------------------------------- page
st.title("Bayesian risk model")
st.caption(
    "A Bayesian logistic regression (PyMC) of the risk of an event: fit it on the bundled "
    "cohort or your own, check that the sampler worked, and read off one patient's risk with "
    "its uncertainty. The page opens on a precomputed fit, so nothing is sampled until you ask."
)
data_key, y, X, source = data_source()
rec_box = st.container(key="recommendation")
evidence_box = st.container()
with st.container(key="knobs"):
    patient_box = st.container()
    settings_form(X, data_key)
request = st.session_state.get("fit_request")
if request is not None and request["data"] == data_key:
    model_key = (data_key, tuple(sorted(request.items())))
    try:
        model = fit(model_key, request, y, X)
    except ValidationError as exc:
        show_error(exc, "The model cannot be fitted on these data.")
        st.stop()
    which = "your fit"
elif data_key == "bundled":
    model, model_key, which = bundled_model(), ("bundled", "precomputed"), "the precomputed model"
else:
    st.info("Press 'Fit the model' to fit the risk model on your data.")
    st.stop()
with patient_box:
    draws, rec, threshold = patient(model, X, data_key)
with rec_box:
    headline(rec, threshold, source, which)
with evidence_box:
    st.altair_chart(
        risk_histogram(
            draws, threshold=threshold, title="Posterior risk of this patient (dashed: threshold)"
        ),
        width="stretch",
    )
    if which == "the precomputed model":
        st.caption(
            "Showing the precomputed fit (2 chains × 500 draws, default priors). Change the "
            "settings below and press 'Fit the model' to refit."
        )
    diagnostics(model)
    coefficients(model, model_key)
