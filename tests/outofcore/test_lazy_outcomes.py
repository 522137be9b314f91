"""Issue 12 item 2: OutcomeDistribution holds dask-backed draws lazily."""

import numpy as np
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError

da = pytest.importorskip("dask.array")

RNG = np.random.default_rng(7)
COST = RNG.normal(100, 10, (200, 2, 50))


def _lazy(arr=COST, chunks=(200, 2, 10)):
    return dk.OutcomeDistribution.from_arrays(
        {"cost": da.from_array(arr, chunks=chunks)}, actions=["A", "B"], dims=["unit"]
    )


def test_dask_draws_stay_lazy_and_summaries_equal_the_in_memory_ones():
    lazy = _lazy()
    eager = dk.OutcomeDistribution.from_arrays({"cost": COST}, actions=["A", "B"], dims=["unit"])
    assert lazy.is_lazy and not eager.is_lazy
    assert type(lazy.data["cost"].data).__module__.startswith("dask")
    np.testing.assert_array_equal(lazy.mean()["mean"], eager.mean()["mean"])
    assert lazy.compute() == eager


def test_a_nan_in_one_chunk_fails_when_computed_and_names_the_metric():
    bad = COST.copy()
    bad[3, 1, 45] = np.nan
    lazy = _lazy(bad)  # building does not read the data
    with pytest.raises(ValidationError, match=r"Metric 'cost' \(in one chunk\) holds 1 non-finite"):
        lazy.compute()


def test_draws_split_across_chunks_are_refused_with_the_fix():
    with pytest.raises(ValidationError, match="split into 2 chunks along 'draw'"):
        _lazy(chunks=(100, 2, 50))


def test_netcdf_opens_lazily_with_chunks(tmp_path):
    eager = dk.OutcomeDistribution.from_arrays({"cost": COST}, actions=["A", "B"], dims=["unit"])
    path = eager.to_netcdf(tmp_path / "o.nc")
    lazy = dk.OutcomeDistribution.from_netcdf(path, chunks={"unit": 10})
    assert lazy.is_lazy
    assert lazy.data["cost"].chunksizes["unit"] == (10,) * 5
    assert lazy.compute() == eager
