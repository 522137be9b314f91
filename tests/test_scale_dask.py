"""decisionkit.scale on Dask: local scheduler and a 2-worker LocalCluster (processes)."""

from __future__ import annotations

import contextlib
import os
import time

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.scale import Policy, apply_to_parquet, psa_summary, run_psa_distributed

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

FEATURES = ["age", "sbp", "chol"]


def make_policy(n_draws: int = 200, seed: int = 0) -> Policy:
    rng = np.random.default_rng(seed)
    return Policy(
        rng.normal(-1.0, 0.2, n_draws),
        rng.normal(0.6, 0.2, (n_draws, len(FEATURES))),
        feature_names=FEATURES,
        means=[60.0, 130.0, 5.0],
        scales=[10.0, 15.0, 1.0],
        benefit=1.0,
        harm=0.25,
    )


def make_patients(n: int = 1000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {"age": rng.normal(60, 10, n), "sbp": rng.normal(130, 15, n), "chol": rng.normal(5, 1, n)}
    )
    df.index = pd.RangeIndex(1000, 1000 + n, name="patient")
    return df


def assert_bit_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert a.index.equals(b.index)
    assert list(a.columns) == list(b.columns)
    assert (a["recommended"].astype(str) == b["recommended"].astype(str)).all()
    for c in a.columns[1:]:
        assert np.array_equal(a[c].to_numpy(), b[c].to_numpy()), c


def toy_model(params: pd.DataFrame) -> dk.OutcomeDistribution:
    """Three strategies; each draw depends on its own row only (elementwise)."""
    e0, d, c0 = (params[k].to_numpy() for k in ("e0", "d", "c0"))
    qaly = np.stack([e0, e0 + d, e0 + 1.3 * d], axis=1)
    cost = np.stack([c0, c0 + 5000.0, c0 + 9000.0 + 100.0 * d], axis=1)
    return dk.OutcomeDistribution.from_arrays(
        {"qaly": qaly, "cost": cost}, actions=["Usual care", "Drug", "Drug + rehab"]
    )


def toy_sampler(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {"e0": rng.normal(5, 1, n), "d": rng.normal(0.2, 0.1, n), "c0": rng.normal(1e4, 1e3, n)}
    )


WTP = np.arange(0.0, 60_001.0, 5_000.0)


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


# ---------------------------------------------------------------- local scheduler
def test_dask_apply_is_lazy_and_bit_identical_to_in_memory():
    pol, df = make_policy(), make_patients(1000)
    ddf = dd.from_pandas(df, npartitions=7)
    lazy = pol.apply(ddf)
    assert isinstance(lazy, dd.DataFrame)
    assert list(lazy.columns) == pol.output_columns
    assert_bit_identical(lazy.compute(scheduler="sync"), pol.apply(df))


def test_dask_missing_column_raises_before_computing():
    ddf = dd.from_pandas(make_patients(20).drop(columns="sbp"), npartitions=2)
    with pytest.raises(ValidationError, match=r"\['sbp'\] of the policy are missing"):
        make_policy().apply(ddf)


def test_dask_wrong_dtype_raises_naming_the_column():
    ddf = dd.from_pandas(make_patients(20).assign(chol="high"), npartitions=2)
    with pytest.raises(ValidationError, match=r"'chol' of the Dask DataFrame .* must be numeric"):
        make_policy().apply(ddf)


def test_dask_nan_raises_naming_column_and_partition():
    df = make_patients(40)
    df.loc[1035, "sbp"] = np.nan  # row 35 of 40 lies in partition 3 of 4
    ddf = dd.from_pandas(df, npartitions=4, sort=False)
    with pytest.raises(ValidationError, match="'sbp' in partition 3 holds 1 missing"):
        make_policy().apply(ddf).compute(scheduler="sync")


# dask's Parquet writer still calls set_index(inplace=True), deprecated in pandas 3.1
@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_parquet_output_is_written_atomically(tmp_path):
    pol, df = make_policy(), make_patients(300)
    path = apply_to_parquet(pol, dd.from_pandas(df, npartitions=3), tmp_path / "out")
    back = pd.read_parquet(path).sort_index()
    back["recommended"] = back["recommended"].astype(str)
    expected = pol.apply(df)
    assert back.index.equals(expected.index)
    assert np.array_equal(back["prob_best"].to_numpy(), expected["prob_best"].to_numpy())


def test_parquet_leaves_nothing_behind_when_a_partition_fails(tmp_path):
    df = make_patients(40)
    df.loc[1039, "age"] = np.inf
    ddf = dd.from_pandas(df, npartitions=4, sort=False)
    with pytest.raises(ValidationError, match="partition 3"):
        apply_to_parquet(make_policy(), ddf, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_parquet_refuses_to_overwrite_without_permission(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(ValidationError, match="overwrite=True"):
        apply_to_parquet(make_policy(), make_patients(5), tmp_path / "out")


def test_psa_partitions_are_bit_identical_to_single_process():
    params = toy_sampler(5001, np.random.default_rng(3))
    single = psa_summary(toy_model(params), wtp=WTP)
    for n_partitions in (1, 2, 7):
        res = run_psa_distributed(toy_model, params, wtp=WTP, n_partitions=n_partitions)
        assert res == single
        assert np.array_equal(res.expected_nb, single.expected_nb)
        assert np.array_equal(res.prob_best, single.prob_best)
        assert np.array_equal(res.evpi_nb, single.evpi_nb)
        assert np.array_equal(res.sd_nb, single.sd_nb)


def test_psa_sampler_is_reproducible_for_a_seed():
    kw = {"wtp": WTP, "n_partitions": 3, "n_draws": 3000}
    a = run_psa_distributed(toy_model, toy_sampler, random_seed=5, **kw)
    b = run_psa_distributed(toy_model, toy_sampler, random_seed=5, **kw)
    c = run_psa_distributed(toy_model, toy_sampler, random_seed=6, **kw)
    assert a == b
    assert a.n_draws == 3000
    assert not np.array_equal(a.expected_nb, c.expected_nb)


def test_psa_model_returning_wrong_draw_count_names_partition():
    def bad(params):
        return toy_model(params.iloc[:-1])

    params = toy_sampler(100, np.random.default_rng(0))
    with pytest.raises(ValidationError, match=r"49 draws for 50 parameter rows in partition [01]"):
        run_psa_distributed(bad, params, wtp=20_000, n_partitions=2)


# ---------------------------------------------------------------- LocalCluster
def test_cluster_apply_is_bit_identical_to_in_memory(client):
    pol, df = make_policy(), make_patients(2000)
    res = pol.apply(dd.from_pandas(df, npartitions=6)).compute()
    assert_bit_identical(res, pol.apply(df))
    assert_bit_identical(res, pol.apply(df, chunk_size=37))


class _RiskDraws:
    """A fitted-model stand-in (logistic risk draws), sent to the workers by value."""

    def __init__(self, n_draws: int = 300, seed: int = 4) -> None:
        rng = np.random.default_rng(seed)
        self.b0 = rng.normal(-8.0, 0.3, n_draws)
        self.b = rng.normal([0.05, 0.01, 0.2], 0.01, (n_draws, 3))

    def predict_risk(self, X: pd.DataFrame):
        import xarray as xr

        eta = self.b0[:, None] + self.b @ X[FEATURES].to_numpy().T
        return xr.DataArray(1 / (1 + np.exp(-eta)), dims=["draw", "unit"])


def test_cluster_recommend_is_bit_identical_to_in_memory(client):
    # the generic path on worker processes: the job (model, outcome function, utility and the
    # compiled per-patient plan) is pickled to them; partitions of any size agree bit for bit
    import sys
    from functools import partial

    import cloudpickle

    from decisionkit.models import treatment_outcomes

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        model, df = _RiskDraws(), make_patients(3000)
        kwargs = {
            "outcomes": partial(
                treatment_outcomes, effect=0.7, cost_treat=300.0, cost_event=5e3, qaly_event=0.5
            ),
            "utility": dk.utility.net_monetary_benefit(wtp=20_000),
        }
        got = dk.scale.recommend(model, dd.from_pandas(df, npartitions=5), **kwargs).compute()
        want = dk.scale.recommend(model, df, **kwargs)
        assert set(want["recommended"]) == {"No treatment", "Treat"}  # both occur
        pd.testing.assert_frame_equal(got, want)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@contextlib.contextmanager
def active_memory_manager_paused(client):
    """Stop the scheduler's Active Memory Manager for the block, then restart it.

    Its ReduceReplicas policy runs every 2 s and drops every replica of a key beyond
    max(1, tasks waiting for it); once the tasks have run that leaves the broadcast policy on
    one worker only. Whether a cycle fell between ``compute()`` and ``has_what()`` depended on
    load, which made the test below flaky. ``amm.stop()`` is a scheduler call that returns
    after the periodic callback is removed, so no cycle runs inside the block.
    """
    client.amm.stop()
    try:
        yield
    finally:
        client.amm.start()


def test_cluster_holds_one_broadcast_copy_of_the_policy_per_worker(client):
    from dask.base import tokenize

    pol = make_policy(seed=11)
    key = f"Policy-{tokenize(pol)}"  # scatter(hash=True) names the data by its token
    with active_memory_manager_paused(client):
        result = pol.apply(dd.from_pandas(make_patients(600), npartitions=6))
        assert len(result.compute()) == 600
        held = client.has_what()
    assert len(held) == 2
    # one copy on each worker, shared by its three tasks (not one transfer per partition)
    assert all(list(map(str, keys)).count(key) == 1 for keys in held.values())


def test_cluster_nan_error_names_column_and_partition(client):
    df = make_patients(60)
    df.loc[1000 + 25, "chol"] = np.nan  # partition 1 of 3 (rows 20-39)
    ddf = dd.from_pandas(df, npartitions=3, sort=False)
    with pytest.raises(ValidationError, match="'chol' in partition 1"):
        make_policy().apply(ddf).compute()


def test_cluster_psa_is_bit_identical_to_single_process_and_close_to_decide(client):
    params = toy_sampler(20_000, np.random.default_rng(4))
    out = toy_model(params)
    single = psa_summary(out, wtp=WTP)
    res = run_psa_distributed(toy_model, params, wtp=WTP, n_partitions=4, client=client)
    assert res == single
    assert np.array_equal(res.expected_nb, single.expected_nb)
    # reference: dk.decide on the same draws (numpy pairwise mean: equal to ~1e-12 relative)
    dec = dk.decide(out, dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=WTP))
    table = dec.table.set_index(["wtp", "action"])
    frame = res.to_frame().set_index(["wtp", "action"])
    ref = table.loc[frame.index]
    np.testing.assert_allclose(frame["expected_net_benefit"], ref["expected_utility"], rtol=1e-12)
    np.testing.assert_allclose(frame["sd"], ref["sd"], rtol=1e-10)
    np.testing.assert_allclose(frame["prob_best"], ref["prob_best"], rtol=1e-12)
    scale = np.abs(res.expected_max_nb)
    assert np.all(np.abs(res.evpi_nb - dec.evpi.to_numpy()) <= 1e-12 * scale)


@pytest.mark.slow
def test_killing_a_worker_mid_run_keeps_exactly_one_row_per_patient():
    pol = make_policy(n_draws=2000, seed=2)
    df = make_patients(20_000)
    expected = pol.apply(df)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        # each partition also waits 0.1 s (4 s of work over 2 workers), so the kill below
        # lands while partitions are running whatever the machine's speed; without it the
        # run (~0.5 s) could be in its final step and Dask may cancel the result instead
        slow = dd.from_pandas(df, npartitions=40).map_partitions(
            lambda part: (time.sleep(0.1), part)[1]
        )
        future = c.compute(pol.apply(slow))
        victim = sorted(c.scheduler_info()["workers"])[0]
        deadline = time.monotonic() + 30
        while not any(c.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        assert not future.done()
        with contextlib.suppress(Exception):  # the killed worker never answers
            c.run(os._exit, 1, workers=[victim])
        res = future.result(timeout=900)  # hang guard, generous for a loaded machine
        c.wait_for_workers(2, timeout=300)
        assert victim not in c.scheduler_info()["workers"]
    assert len(res) == len(df)
    assert res.index.is_unique
    assert_bit_identical(res.sort_index(), expected)


def test_psa_progress_bar_reports_locally(capsys):
    params = toy_sampler(200, np.random.default_rng(0))
    run_psa_distributed(toy_model, params, wtp=20_000, n_partitions=2, progress=True)
    assert "Completed" in capsys.readouterr().out  # dask.diagnostics.ProgressBar's last line


def test_psa_rejects_more_partitions_than_draws():
    params = toy_sampler(3, np.random.default_rng(0))
    with pytest.raises(ValidationError, match="'n_partitions' parameter"):
        run_psa_distributed(toy_model, params, wtp=1.0, n_partitions=4)


def test_psa_sampler_needs_n_draws():
    with pytest.raises(ValidationError, match="'n_draws' parameter"):
        run_psa_distributed(toy_model, toy_sampler, wtp=1.0, n_partitions=2)
