"""Issue 18 item 15: distributed PSA survives a lost worker and names a failing partition."""

import contextlib
import os
import time

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ModelError

distributed = pytest.importorskip("distributed")

from decisionkit.scale import run_psa_distributed  # noqa: E402

WTP = np.array([0.0, 20_000.0, 50_000.0])


def slow_model(params: pd.DataFrame) -> dk.OutcomeDistribution:
    time.sleep(0.05)  # long enough for a worker to die mid-run
    e0 = params["e0"].to_numpy()
    c0 = params["c0"].to_numpy()
    return dk.OutcomeDistribution.from_arrays(
        {"qaly": np.column_stack([e0, e0 + 0.2]), "cost": np.column_stack([c0, c0 + 3000])},
        actions=["old", "new"],
    )


def failing_model(params: pd.DataFrame) -> dk.OutcomeDistribution:
    if params.index[0] >= 50:
        raise KeyError("p_missing")
    return slow_model(params)


def _params(n=400):
    rng = np.random.default_rng(3)
    return pd.DataFrame({"e0": rng.normal(5, 1, n), "c0": rng.normal(1e4, 1e3, n)})


def test_an_error_in_the_model_names_the_partition_and_keeps_the_cause():
    with pytest.raises(ModelError, match=r"KeyError in partition 1 \(50 draws, rows 50 to 99") as e:
        run_psa_distributed(failing_model, _params(100), wtp=WTP, n_partitions=2)
    assert isinstance(e.value.__cause__, KeyError)


@pytest.mark.slow
def test_killing_a_worker_mid_psa_gives_the_single_process_result():
    params = _params()
    expected = run_psa_distributed(slow_model, params, wtp=WTP, n_partitions=1)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        victim = sorted(c.scheduler_info()["workers"])[0]
        holder = {}

        def run():
            holder["res"] = run_psa_distributed(
                slow_model, params, wtp=WTP, n_partitions=40, client=c
            )

        import threading

        t = threading.Thread(target=run)
        t.start()
        deadline = time.monotonic() + 30
        while not any(c.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.02)
        with contextlib.suppress(Exception):  # the killed worker never answers
            c.run(os._exit, 1, workers=[victim])
        t.join(timeout=900)
        assert not t.is_alive()
    res = holder["res"]
    np.testing.assert_array_equal(res.expected_nb, expected.expected_nb)
    np.testing.assert_array_equal(res.evpi, expected.evpi)
