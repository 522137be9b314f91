"""Uploads: read once per content, keep per session, show and confirm the mapping.

Caching (issue 18.4): an upload is keyed by the SHA-256 of its full bytes (so column names,
dtypes and values all count) and everything derived from it lives in this session's
``st.session_state``: no cache shared between sessions ever holds an upload or anything
computed from one, so no session can be handed another's names or numbers. The digest is
computed once per uploaded file (Streamlit's ``file_id``), not on every rerun, and the
parsed table, the outcome draws and the analyses are reused while sliders move (issue 17.3).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from _layout import safe, show_error

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.io import (
    DEFAULT_MAX_BYTES,
    ROLES,
    AmbiguousLayoutError,
    PSAMapping,
    apply_mapping,
    infer_mapping,
    read_psa_table,
)

MAX_MB = DEFAULT_MAX_BYTES // 1_000_000
_CACHE, _DIGESTS = "_dk_session_cache", "_dk_upload_digests"
MAX_ENTRIES = 24  # analyses kept per session (oldest dropped first)
UNSET = "(choose)"


def session_cached(key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per key in this session (a small LRU in st.session_state)."""
    cache: OrderedDict = st.session_state.setdefault(_CACHE, OrderedDict())
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = compute()
    cache[key] = value
    while len(cache) > MAX_ENTRIES:
        cache.popitem(last=False)
    return value


def thinned(out: dk.OutcomeDistribution, n: int, key: Hashable = None) -> dk.OutcomeDistribution:
    """At most n evenly spaced draws (with their inputs): for charts and EVPPI regressions.

    With ``key`` (the data's cache key) the thinned copy is made once per data set and reused
    by every slider step: on a 463,000-draw upload it costs ~35 ms.
    """
    if out.n_draws <= n:
        return out
    if key is not None:
        return session_cached(("thinned", key, n), lambda: thinned(out, n))
    idx = np.linspace(0, out.n_draws - 1, n).astype(int)
    data = out.data.isel(draw=idx).assign_coords(draw=np.arange(n))
    inputs = None if out.inputs is None else out.inputs.iloc[idx].reset_index(drop=True)
    return dk.OutcomeDistribution(data, inputs=inputs)


def digest(upload) -> str:
    """SHA-256 of the upload's bytes, computed once per uploaded file of this session."""
    digests: dict = st.session_state.setdefault(_DIGESTS, {})
    file_id = getattr(upload, "file_id", None) or id(upload)
    if file_id not in digests:
        digests[file_id] = hashlib.sha256(upload.getvalue()).hexdigest()
    return digests[file_id]


def uploader(label: str, key: str, help: str | None = None):
    """The file uploader: any file type, so a spreadsheet is explained in the page body.

    (With ``type=["csv"]`` Streamlit refuses other files only inside its small chip, and the
    page would go on showing the demo under the user's file name.)
    """
    return st.file_uploader(f"{label} (CSV, up to {MAX_MB} MB)", key=key, help=help)


def psa_upload(upload, key: str) -> tuple[dk.OutcomeDistribution, PSAMapping] | None:
    """The uploaded PSA file read, its mapping shown and confirmed; None: stop here.

    Errors are shown in the page body (nothing else is shown for a refused file).
    """
    try:
        sha = digest(upload)
        table = session_cached(("table", sha), lambda: read_psa_table(upload))
    except ValidationError as exc:
        show_error(exc)
        return None
    mapping = mapping_step(table, sha, key)
    if mapping is None:
        return None
    try:
        out = session_cached(("outcomes", sha, mapping), lambda: apply_mapping(table, mapping))
    except ValidationError as exc:
        show_error(exc)
        return None
    return out, mapping


def mapping_step(table, sha: str, key: str) -> PSAMapping | None:
    """Show what each column was taken to be; let the user correct it before any result."""
    try:
        proposal = session_cached(("mapping", sha), lambda: infer_mapping(table))
        question = None
    except AmbiguousLayoutError as exc:
        proposal, question = exc.mapping, exc.question
    except ValidationError as exc:
        show_error(exc)
        return None
    with st.container(key=f"{key}_mapping"):
        st.markdown(f"**How your file was read.** {safe(proposal.describe())}")
        for note in proposal.notes:
            st.caption(safe(note))
    with st.expander(
        "Correct how your file was read (strategies, metrics, parameters, cost and effect)",
        expanded=question is not None,
        icon=":material/table_view:",
    ):
        st.caption(
            "Correct a row if it is wrong: role (outcome, parameter, strategy names, draw "
            "number, ignore), and for a wide file the metric and strategy each outcome column "
            "holds. Parameters enable the value of learning each parameter (EVPPI)."
        )
        edited = st.data_editor(
            proposal.to_frame(),
            key=f"{key}_mapping_{sha[:16]}",
            hide_index=True,
            disabled=["column"],
            num_rows="fixed",
            column_config={
                "column": "Column of your file",
                "role": st.column_config.SelectboxColumn("Role", options=ROLES, required=True),
                "metric": "Metric",
                "strategy": "Strategy",
            },
            width="stretch",
        )
        # the table as plain values: the cache key of what is derived from it on every rerun
        content = (sha, tuple(map(tuple, edited.astype(str).to_numpy())))
        metrics = session_cached(("metrics_of", content), lambda: _metrics_of(edited))
        left, right = st.columns(2)
        cost = _role_pick(left, "Cost metric", metrics, proposal.cost, f"{key}_cost_{sha[:16]}")
        effect = _role_pick(
            right, "Effect metric (e.g. QALYs)", metrics, proposal.effect, f"{key}_eff_{sha[:16]}"
        )
    try:
        mapping = session_cached(
            ("mapping_from", content, cost, effect),
            lambda: PSAMapping.from_frame(edited, cost=cost, effect=effect, notes=proposal.notes),
        )
    except ValidationError as exc:
        show_error(exc, "The mapping is not complete yet.")
        return None
    if question is not None:
        st.warning(
            f"{safe(question)} Check the table under *Correct how your file was read*, then "
            "confirm.",
            icon=":material/help:",
        )
        if not st.checkbox("The mapping is right: analyse the file", key=f"{key}_ok_{sha[:16]}"):
            st.info("No results are shown until you confirm how the file is read.")
            return None
    return mapping


def _metrics_of(edited: pd.DataFrame) -> list[str]:
    rows = edited[edited["role"] == "outcome"]
    has_labels = (edited["role"] == "strategy names").any()
    names = rows["column"] if has_labels else rows["metric"]
    return list(dict.fromkeys(str(m).strip() for m in names if str(m).strip()))


def _role_pick(where, label: str, metrics: list[str], proposed, key: str) -> str | None:
    options = [UNSET, *metrics]
    index = options.index(proposed) if proposed in options else 0
    choice = where.selectbox(label, options, index=index, key=key)
    return None if choice == UNSET else choice
