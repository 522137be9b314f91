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
        "heavy = [m for m in ('pymc', 'streamlit', 'matplotlib', 'sklearn') if m in sys.modules]; "
        "print(heavy, dt)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    heavy, _ = out.stdout.rsplit(" ", 1)
    assert heavy.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        dk.nope  # noqa: B018
