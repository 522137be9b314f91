"""Shared layout: the sidebar every page shows, and small display helpers."""

from __future__ import annotations

import streamlit as st

import decisionkit as dk

DOCS_URL = "https://github.com/decisionkit/decisionkit#readme"
BLURB = (
    "Decision analysis from uncertain outcomes to a recommendation: expected utility, "
    "cost-effectiveness, value of information and decision curves, with the uncertainty shown."
)


def sidebar() -> None:
    """Render the sidebar shared by every page: title, blurb, version and docs link."""
    with st.sidebar:
        st.title("decisionkit")
        st.caption(BLURB)
        st.caption(f"Version {dk.__version__} · [Documentation]({DOCS_URL})")
