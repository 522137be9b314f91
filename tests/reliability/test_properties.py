"""Issue 18 property tests not covered by the kernel's (tests/decision/test_kernel.py):
ICER tables do not depend on input order, 0 <= EVPPI <= EVPI, and netCDF round trips of any
printable name (with refusal of unrepresentable ones)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import decisionkit as dk
from decisionkit.exceptions import EstimationWarning, ValidationError

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(
    data=st.lists(
        st.tuples(
            st.integers(0, 50_000).map(float),  # whole numbers: exact ties are possible
            st.integers(0, 200).map(lambda q: q / 10),
        ),
        min_size=2,
        max_size=7,
        unique=True,
    ),
    seed=st.integers(0, 10_000),
)
def test_icer_table_does_not_depend_on_the_order_of_the_strategies(data, seed):
    names = [f"s{i}" for i in range(len(data))]
    cost, effect = (np.array(v) for v in zip(*data, strict=True))
    order = np.random.default_rng(seed).permutation(len(data))
    a = dk.cea.icer_table(cost, effect, names)
    b = dk.cea.icer_table(cost[order], effect[order], [names[i] for i in order])
    key = ["strategy"]
    pd.testing.assert_frame_equal(
        a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
    )


@SETTINGS
@given(seed=st.integers(0, 10_000), scale=st.floats(0.1, 100.0), k=st.integers(2, 4))
def test_evppi_lies_between_zero_and_evpi(seed, scale, k):
    rng = np.random.default_rng(seed)
    n = 600
    x = rng.normal(size=(n, 2))
    nb = scale * (x[:, :1] * rng.normal(size=(1, k)) + rng.normal(size=(n, k)))
    out = dk.OutcomeDistribution.from_arrays(
        {"nb": nb}, inputs=pd.DataFrame({"x": x[:, 0], "z": x[:, 1]})
    )
    u = dk.utility.linear({"nb": 1.0})
    evpi = dk.voi.evpi(out, u)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)  # clipping to [0, EVPI] is allowed
        for method in ("gam", "so"):
            value = dk.voi.evppi(out, u, ["x"], method=method).evppi
            assert 0.0 <= float(value) <= evpi + 1e-12 * scale


PRINTABLE = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FFF, blacklist_characters="/"),
    min_size=1,
    max_size=20,
).filter(lambda s: s not in ("draw", "action", "."))


@SETTINGS
@given(names=st.lists(PRINTABLE, min_size=2, max_size=4, unique=True), metric=PRINTABLE)
def test_netcdf_round_trips_any_printable_names(tmp_path_factory, names, metric):
    path = tmp_path_factory.mktemp("nc") / "o.nc"
    out = dk.OutcomeDistribution.from_arrays(
        {metric: np.arange(3.0 * len(names)).reshape(3, -1)},
        actions=names,
        inputs=pd.DataFrame({metric + "_p": [0.1, 0.2, 0.3]}),
    )
    back = dk.OutcomeDistribution.from_netcdf(out.to_netcdf(path))
    assert back == out


@pytest.mark.parametrize("bad", ["a\x00b", "tab\there", "line\nbreak", "draw", "."])
def test_unrepresentable_metric_names_are_refused_not_written(bad):
    with pytest.raises(ValidationError):
        dk.OutcomeDistribution.from_arrays({bad: np.zeros((3, 2))})
