"""Shared layout: the sidebar every page shows, and the helpers every page displays through.

* :func:`safe` escapes a user string (a file name, column, strategy or metric name, an error
  message quoting them) before it reaches ``st.markdown``/``st.metric``/``st.caption``/
  ``st.error``: every ASCII punctuation character is backslash-escaped (CommonMark), so a
  name such as ``[Click](https://evil.example) ![t](https://evil.example/px.png) $x^2$``
  renders as that text: no link, no image request, no KaTeX.
* :func:`show_error` is the one way a page reports a refused file or setting: in the page
  body, in the dashboard's words.
* :func:`csv_download` is the one export: cells a spreadsheet would run as a formula are
  neutralised (OWASP "CSV injection").
* :func:`currency` is the currency symbol chosen once in the sidebar.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import streamlit as st

import decisionkit as dk

DOCS_URL = "https://github.com/decisionkit/decisionkit#readme"
ICON = Path(__file__).resolve().parent / "icon.png"  # served by this server, never a CDN
BLURB = (
    "Decision analysis from uncertain outcomes to a recommendation: expected utility, "
    "cost-effectiveness, value of information and decision curves, with the uncertainty shown."
)
CURRENCIES = ("$", "£", "€", "CHF ", "¥")

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
# GFM turns bare URLs and e-mail addresses into links *after* escapes are resolved, so a
# zero-width space (invisible) breaks "://", "www." and "@" first.
_AUTOLINK = re.compile(r"(?i)(:)(//)|\b(www)(\.)")
_ZWSP = "\u200b"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_VALIDATED: set[tuple[str, str]] = set()  # kinds of chart whose spec was validated once


def safe(text: object) -> str:
    """``text`` escaped for Streamlit Markdown: shown literally, never a link/image/formula.

    >>> safe("[x](https://e.example) $a$").replace("\\u200b", "")
    '\\\\[x\\\\]\\\\(https\\\\:\\\\/\\\\/e\\\\.example\\\\) \\\\$a\\\\$'
    """
    unlinked = _AUTOLINK.sub(lambda m: _ZWSP.join(g for g in m.groups() if g), str(text))
    unlinked = unlinked.replace("@", _ZWSP + "@")
    return _PUNCT.sub(r"\\\1", unlinked).replace("\n", " ")


def show_error(message: object, prefix: str = "This file cannot be used.") -> None:
    """A refused file or setting, in the page body, escaped."""
    st.error(f"{prefix} {safe(message)}".strip(), icon=":material/error:")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and column names cannot run as spreadsheet formulas.

    Cells starting with ``= + - @``, tab or carriage return get a leading apostrophe (the
    OWASP recommendation); numbers are left as numbers.
    """

    def fix(value):
        if isinstance(value, str) and value.startswith(_FORMULA):
            return "'" + value
        return value

    out = frame.copy()
    out.columns = [fix(str(c)) for c in out.columns]
    for col in out.columns[[not pd.api.types.is_numeric_dtype(t) for t in out.dtypes]]:
        out[col] = out[col].map(fix)
    return out


def csv_download(frame: pd.DataFrame, file_name: str, label: str = "Download as CSV") -> None:
    """A download button for ``frame`` as CSV, formula cells neutralised."""
    data = neutralise(frame).to_csv(index=False).encode("utf-8")
    st.download_button(
        label, data, file_name=file_name, mime="text/csv", icon=":material/download:"
    )


def spec(chart) -> dict:
    """The Vega-Lite spec of an Altair chart, schema-validated once per kind of chart.

    Streamlit's ``st.altair_chart`` validates the spec against the Vega-Lite JSON schema on
    every rerun: ~0.1 s per chart, most of a slider step's budget on a page of five charts.
    Our charts are fixed code whose data change, not their structure, so each kind of chart
    (by its title) is validated the first time this process draws it, not on every step.
    Pages may cache the spec and change only a named dataset per step (:func:`show_spec`).
    """
    import altair as alt

    kind = (type(chart).__name__, str(getattr(chart, "title", "")))
    with alt.data_transformers.disable_max_rows():
        out = chart.to_dict(validate=kind not in _VALIDATED)
    _VALIDATED.add(kind)
    return out


def show_spec(spec: dict, where=None, *, datasets: dict | None = None, **kwargs) -> None:
    """Draw a Vega-Lite spec, replacing or adding the named ``datasets`` (e.g. a wtp rule)."""
    if datasets:
        spec = {**spec, "datasets": {**spec.get("datasets", {}), **datasets}}
    (where or st).vega_lite_chart(spec, width="stretch", **kwargs)


def chart(chart, where=None, **kwargs) -> None:
    """Show an Altair chart (see :func:`spec`)."""
    show_spec(spec(chart), where, **kwargs)


def currency() -> str:
    """The currency symbol chosen in the sidebar (one for every page)."""
    return st.session_state.get("currency", CURRENCIES[0])


def sidebar() -> None:
    """Render the sidebar shared by every page: title, blurb, currency, version, docs link."""
    with st.sidebar:
        st.title("decisionkit")
        st.caption(BLURB)
        st.selectbox(
            "Currency",
            CURRENCIES,
            key="currency",
            help="The currency symbol every page shows money in. It labels amounts only; "
            "nothing is converted.",
        )
        st.caption(f"Version {dk.__version__} · [Documentation]({DOCS_URL})")
