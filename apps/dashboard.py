"""decisionkit dashboard: the Streamlit entry point (``decisionkit app`` or ``make app``).

Pages are listed in ``_registry.py``; this file only wires them into ``st.navigation`` and
draws the shared sidebar.
"""

import sys
from pathlib import Path

import streamlit as st

APP_DIR = Path(__file__).resolve().parent
if str(APP_DIR) not in sys.path:  # pages import _layout / _registry from here
    sys.path.insert(0, str(APP_DIR))

from _layout import ICON, sidebar
from _registry import HOME, built_pages

# No traceback (with server paths) ever reaches the page, whoever starts the server
st.set_option("client.showErrorDetails", "none")
st.set_page_config(page_title="decisionkit", page_icon=str(ICON), layout="wide")

# The uploader's own "200MB per file" is Streamlit's transport ceiling (config.toml), not the
# limit users meet (decisionkit.io.DEFAULT_MAX_BYTES, stated in every uploader's label and
# checked with an error in the page body): hide it, so the dashboard states one limit.
st.html("<style>[data-testid='stFileUploaderDropzoneInstructions']{display:none}</style>")

pages = [
    st.Page(
        spec.script, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=spec is HOME
    )
    for spec in built_pages()
]
current = st.navigation(pages)
sidebar()
current.run()
