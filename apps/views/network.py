"""Compare treatments across trials: network meta-analysis of an uploaded trial table.

Reading the upload is decisionkit.models.evidence.read_trials_csv; the checks of the counts
(with errors naming the study), the model and every number shown come from
NetworkMetaAnalysis. The page wires widgets to those calls; fits are cached by the table's
hash and the settings, and run only when the form is submitted.
"""

from __future__ import annotations

import hashlib
import time
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import streamlit as st
from _data import MAX_MB, uploader

import decisionkit as dk
from decisionkit.exceptions import ConvergenceWarning, ValidationError
from decisionkit.models.evidence import (
    NetworkMetaAnalysis,
    load_smoking_cessation,
    read_trials_csv,
)

BUILT_IN, UPLOAD = "Smoking cessation (24 trials, built in)", "Upload a CSV file"
MAX_FITS = 4  # fitted models kept in memory (shared by every session)
FORMAT = """One row per study arm, with the columns `study`, `treatment`, `events` (participants
with the outcome) and `total` (participants in the arm). UTF-8 CSV, read with pandas only; at
most {max_mb} MB.

```
study,treatment,events,total
Smith 2019,Placebo,12,100
Smith 2019,Drug A,20,101
Jones 2021,Drug A,30,150
Jones 2021,Drug B,41,148
```
"""

st.title("Compare treatments across trials")
st.caption(
    "Network meta-analysis (NICE DSU TSD 2): a binomial model with logit link pools every "
    "trial, direct and indirect comparisons together, into odds ratios between all treatments."
)


# ---------------------------------------------------------------------- data
@st.cache_data(max_entries=8, show_spinner=False)
def read_upload(digest: str, _raw: bytes) -> pd.DataFrame:
    """The trial table of an upload (keyed by the SHA-256 of its bytes)."""
    return read_trials_csv(_raw)


def trial_table() -> tuple[str, pd.DataFrame, str]:
    """(data key, trial table, description) of the built-in network or the upload."""
    with st.container(border=True):
        left, right = st.columns([1, 2])
        source = left.radio("Trials", [BUILT_IN, UPLOAD], key="nma_source")
        if source == BUILT_IN:
            right.markdown(
                "Quitting smoking with no contact, self-help, individual or group "
                "counselling (Hasselblad 1998, the network of NICE DSU TSD 2)."
            )
            return "built-in", load_smoking_cessation(), "the smoking cessation trials"
        with right:
            upload = uploader("Trial table", key="nma_upload")
        with right.expander("Accepted file format"):
            st.markdown(FORMAT.format(max_mb=MAX_MB))
    if upload is None:
        st.info("Upload a trial table, or choose the built-in smoking cessation trials.")
        st.stop()
    raw = upload.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        table = read_upload(digest, raw)
    except ValidationError as exc:
        st.error(f"This file cannot be used. {exc}")
        st.stop()
    return digest, table, f"'{upload.name}'"


# ---------------------------------------------------------------------- fitting
@st.cache_resource
def fitted_models() -> dict:
    """Fitted models keyed by (data key, settings); at most MAX_FITS."""
    return {}


def settings_form(table: pd.DataFrame, data_key: str) -> dict | None:
    """Model settings; returns the request of the last submitted form (or None)."""
    treatments = list(dict.fromkeys(table["treatment"].astype(str)))
    with st.form("nma_settings"):
        st.markdown("**Fit the network** (a few seconds to a minute; runs when you press it)")
        c1, c2, c3 = st.columns(3)
        effects = c1.radio(
            "Effects",
            ["random", "fixed"],
            key="nma_effects",
            help="Random effects let the true effect differ between studies (TSD 2: "
            "between-study sd with a U(0, 5) prior); fixed effects assume one common effect.",
        )
        reference = c2.selectbox("Compare against", treatments, key=f"nma_ref_{data_key[:12]}")
        good = c3.radio(
            "The outcome counted in 'events' is",
            ["good (e.g. quitting, response)", "bad (e.g. death, relapse)"],
            key="nma_good",
        )
        c1, c2, c3 = st.columns(3)
        draws = c1.number_input("Draws per chain", 100, 5000, 1000, step=100, key="nma_draws")
        chains = c2.number_input("Chains", 2, 4, 2, key="nma_chains")
        seed = c3.number_input("Random seed", 0, 2**31 - 1, 1, key="nma_seed")
        submitted = st.form_submit_button("Fit the network meta-analysis", type="primary")
    if submitted:
        st.session_state["nma_request"] = {
            "data": data_key,
            "effects": effects,
            "reference": reference,
            "lower_is_better": good.startswith("bad"),
            "draws": int(draws),
            "chains": int(chains),
            "seed": int(seed),
        }
    request = st.session_state.get("nma_request")
    return request if request and request["data"] == data_key else None


def fit(request: dict, table: pd.DataFrame) -> NetworkMetaAnalysis:
    """The cached fit for this request, or a new one with visible progress."""
    store = fitted_models()
    key = tuple(sorted(request.items()))
    if key in store:
        return store[key]
    with st.status(
        f"Fitting: {request['effects']} effects, {request['chains']} chains x "
        f"{request['draws']:,} draws...",
        expanded=True,
    ) as status:
        start = time.perf_counter()
        model = NetworkMetaAnalysis(
            effects=request["effects"],
            reference=request["reference"],
            random_seed=request["seed"],
            sampler_config={
                "draws": request["draws"],
                "tune": 1000,
                "chains": request["chains"],
                "progressbar": False,
            },
        )
        with warnings.catch_warnings():
            # the diagnostics are reported on the page in plain words instead
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(table, events="events", total="total")
        status.update(
            label=f"Fitted in {time.perf_counter() - start:.1f} s", state="complete", expanded=False
        )
    while len(store) >= MAX_FITS:
        store.pop(next(iter(store)))
    store[key] = model
    return model


# ---------------------------------------------------------------------- display
def show(model: NetworkMetaAnalysis, request: dict) -> None:
    ref = request["reference"]
    lower = request["lower_is_better"]
    sucra = model.sucra(lower_is_better=lower)
    best = sucra.idxmax()
    d = model.diagnostics_
    trusted = d["max_rhat"] <= dk.models.RHAT_MAX and not d["n_divergences"]
    st.success(
        f"**{best}** ranks best (SUCRA {sucra[best]:.2f}: 1 = certainly best, 0 = certainly "
        f"worst) among {len(sucra)} treatments."
    )
    if not trusted:
        st.warning(
            "The sampler may not have converged (chains disagree or divergences); treat the "
            "numbers with caution, or fit again with more draws."
        )
    left, right = st.columns(2)
    with left:
        st.subheader("The network")
        fig, ax = plt.subplots(figsize=(5, 5), layout="constrained")
        dk.plot.network_plot(model, ax=ax)
        st.pyplot(fig)
        plt.close(fig)
    with right:
        st.subheader(f"Odds ratios against {ref}")
        rel = model.relative_effects(reference=ref, exponentiate=True)
        shown = pd.DataFrame(
            {
                "treatment": rel["treatment"],
                "odds ratio": rel["median"],
                "95% interval": [
                    f"{lo:.2f} to {hi:.2f}"
                    for lo, hi in zip(rel["lower"], rel["upper"], strict=True)
                ],
            }
        )
        st.dataframe(shown, hide_index=True)
        stats = model.fit_statistics()
        st.caption(
            f"Residual deviance {stats['resdev']:.1f} for {int(stats['n_data'])} arms "
            f"(close to the number of arms means a good fit); DIC {stats['DIC']:.1f}."
        )
        if model.effects == "random":
            sd = model.heterogeneity().iloc[0]
            st.caption(
                f"Between-study sd (log odds ratio): {sd['median']:.2f} "
                f"({sd['lower']:.2f} to {sd['upper']:.2f})."
            )
    st.subheader("Ranking")
    probs = model.rank_probabilities(lower_is_better=lower)
    ranking = probs.map(lambda p: f"{p:.0%}")
    ranking.columns = [f"P(rank {r})" for r in probs.columns]
    ranking.insert(0, "SUCRA", sucra.round(2))
    st.dataframe(ranking.sort_values("SUCRA", ascending=False))
    with st.expander("All pairwise log odds ratios (row versus column)"):
        st.dataframe(model.league_table())


key, table, described = trial_table()
with st.expander(f"Trial table: {described} ({len(table)} arms)"):
    st.dataframe(table, hide_index=True)
request = settings_form(table, key)
if request is None:
    st.info("Choose the settings and press 'Fit the network meta-analysis'.")
    st.stop()
try:
    model = fit(request, table)
except ValidationError as exc:
    st.error(f"This trial table cannot be analysed. {exc}")
    st.stop()
show(model, request)
