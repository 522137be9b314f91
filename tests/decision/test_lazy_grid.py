"""decide() on a utility grid (wtp) over dask-backed draws: the in-memory numbers, block by block.

The lazy path runs the in-memory evaluation and kernel on each block of the draws (every draw
and action, one chunk of the extra dims) and chunk of the grid, so every cell is reduced by the
same code on the same values in the same order: the tables are equal exactly, not to a tolerance.
"""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import decisionkit as dk
from decisionkit.exceptions import ValidationError

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

WTP = np.linspace(0.0, 50_000.0, 26)


def _pair(shape, chunks, dims=(), seed=0, chains=None):
    """In-memory draws and the same values dask-backed (chunked along action and extra dims)."""
    rng = np.random.default_rng(seed)
    cost = rng.normal(1e4, 2e3, shape)
    qaly = rng.normal(5.0, 0.5, shape) + np.linspace(0, 0.1, shape[1]).reshape(
        1, -1, *[1] * (len(shape) - 2)
    )
    all_dims = ("draw", "action", *dims)
    coords = {"action": [f"s{i}" for i in range(shape[1])]}
    if chains is not None:  # MCMC draws: equal-length consecutive chains
        coords["chain"] = ("draw", np.repeat(np.arange(chains), shape[0] // chains))

    def dataset(c, q):
        return xr.Dataset({"cost": (all_dims, c), "qaly": (all_dims, q)}, coords=coords)

    eager = dk.OutcomeDistribution(dataset(cost, qaly))
    lazy = dk.OutcomeDistribution(
        dataset(da.from_array(cost, chunks=chunks), da.from_array(qaly, chunks=chunks))
    )
    assert lazy.is_lazy and not eager.is_lazy
    return eager, lazy


def _assert_same(got, ref, inexact=()):
    exact = [c for c in ref.table.columns if c not in inexact]
    pd.testing.assert_frame_equal(got.table[exact], ref.table[exact], check_exact=True)
    for column in inexact:
        np.testing.assert_allclose(got.table[column], ref.table[column], rtol=1e-13)
    pd.testing.assert_series_equal(got.evpi, ref.evpi, check_exact=True)


@pytest.mark.parametrize("prob", [0.9, None])
def test_wtp_grid_on_action_chunked_draws_equals_in_memory_exactly(prob):
    eager, lazy = _pair((400, 5), chunks=(-1, 2))
    nmb = dk.utility.net_monetary_benefit(wtp=WTP)
    ref = dk.decide(eager, nmb, prob=prob)
    with dask.config.set(scheduler="threads"):
        _assert_same(dk.decide(lazy, nmb, prob=prob), ref)
    with dask.config.set(scheduler="sync"), dk.set_options(working_memory=0.05):
        # a small working memory splits the grid into many tasks: same numbers
        _assert_same(dk.decide(lazy, nmb, prob=prob), ref)


def test_wtp_grid_with_two_unit_dims_chains_and_cvar_equals_in_memory_exactly():
    # blocks along two extra dims, chunks of the grid, ArviZ's chain MCSE and a CVaR
    # objective: each cell is reduced as in memory
    eager, lazy = _pair((200, 3, 6, 4), chunks=(-1, -1, 4, 3), dims=("unit", "site"), chains=4)
    nhb = dk.utility.net_health_benefit(wtp=WTP[1:])
    objective = dk.utility.cvar(0.1)
    ref = dk.decide(eager, nhb, objective=objective)
    with dk.set_options(working_memory=0.02):
        got = dk.decide(lazy, nhb, objective=objective)
    # CVaR's weighted sum runs through BLAS (np.tensordot), whose summation order depends on
    # how many cells a call holds, so the objective may differ in the last bits
    _assert_same(got, ref, inexact=["objective"])
    assert got.extra_dims == ("unit", "site", "wtp")
    assert isinstance(got.evpi, pd.Series) and got.evpi.index.names == ["unit", "site", "wtp"]


def test_a_nan_in_lazy_draws_fails_the_grid_decision_and_names_the_metric():
    _, lazy = _pair((100, 3), chunks=(-1, 1))
    cost = lazy.data["cost"].data
    bad = da.where(da.arange(100)[:, None] == 7, np.nan, cost)
    broken = dk.OutcomeDistribution.from_arrays(
        {"cost": bad, "qaly": lazy.data["qaly"].data}, actions=lazy.actions
    )
    with pytest.raises(ValidationError, match="Metric 'cost'"):
        dk.decide(broken, dk.utility.net_monetary_benefit(wtp=WTP))


def test_cea_analyze_on_lazy_draws_computes_their_graph_once_and_equals_in_memory():
    # cost and effect derived from one upstream computation (as a model's per-patient output
    # is): analyze computes both metrics in one graph, so that computation runs once per block
    calls = []

    def upstream(block):
        calls.append(block.shape)
        return block

    rng = np.random.default_rng(3)
    base = rng.normal(1.0, 0.1, (500, 4))
    shared = da.from_array(base, chunks=(-1, 2)).map_blocks(upstream, dtype=float)
    lazy = dk.OutcomeDistribution.from_arrays({"cost": 1e4 * (2.0 - shared), "qaly": shared})
    eager = lazy.compute()
    calls.clear()
    with dask.config.set(scheduler="sync"):
        got = dk.cea.analyze(lazy, wtp=WTP)
    assert len(calls) == 2  # two blocks along action, each computed once
    ref = dk.cea.analyze(eager, wtp=WTP)
    np.testing.assert_array_equal(got.prob_best, ref.prob_best)
    np.testing.assert_array_equal(got.evpi_nb, ref.evpi_nb)
    np.testing.assert_array_equal(got.expected_max_nb, ref.expected_max_nb)
