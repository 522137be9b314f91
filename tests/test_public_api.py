"""Guards the deliberate public surface of decisionkit."""

import subprocess
import sys

import decisionkit as dk

EXPECTED_ALL = [
    "Decision",
    "OutcomeDistribution",
    "__version__",
    "decide",
    "exceptions",
    "get_options",
    "set_options",
    "utility",
]


def test_all_is_sorted_and_explicit():
    assert dk.__all__ == EXPECTED_ALL
    assert dk.__all__ == sorted(dk.__all__)


def test_every_public_name_resolves():
    for name in dk.__all__:
        assert getattr(dk, name) is not None


def test_utility_module_surface():
    assert sorted(dk.utility.__all__) == [
        "Objective",
        "Utility",
        "custom",
        "cvar",
        "expected_value",
        "exponential",
        "linear",
        "net_health_benefit",
        "net_monetary_benefit",
        "quantile",
    ]


def test_import_is_light():
    code = (
        "import sys, time; t = time.perf_counter(); import decisionkit; "
        "dt = time.perf_counter() - t; "
        "heavy = [m for m in ('pymc', 'streamlit', 'matplotlib', 'sklearn', 'numba') "
        "if m in sys.modules]; "
        "print(heavy, dt)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    heavy, _ = out.stdout.rsplit(" ", 1)
    assert heavy.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        dk.nope  # noqa: B018


def test_set_options_as_function_and_context_manager():
    import pytest

    from decisionkit.exceptions import ValidationError

    before = dk.get_options()["working_memory"]
    with dk.set_options(working_memory=4):
        assert dk.get_options()["working_memory"] == 4.0
    assert dk.get_options()["working_memory"] == before
    try:
        dk.set_options(working_memory=64)
        assert dk.get_options()["working_memory"] == 64.0
    finally:
        dk.set_options(working_memory=before)
    with pytest.raises(ValidationError, match="'working_memory' parameter of set_options"):
        dk.set_options(working_memory=0)
    with pytest.raises(ValidationError, match="set_options"):
        dk.set_options(chunk_size=3)
