import sys
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[2] / "apps"
sys.path.insert(0, str(APP_DIR))  # _registry, for the page list


@pytest.fixture
def app():
    """A fresh AppTest of the dashboard entry point (not yet run)."""
    from streamlit.testing.v1 import AppTest

    # the timeout only catches a hung script: generous, so a loaded machine (numba compiling,
    # other jobs on both cores) cannot fail a correct page
    return AppTest.from_file(str(APP_DIR / "dashboard.py"), default_timeout=300)
