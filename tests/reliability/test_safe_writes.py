"""Issue 18 items 1-2: writers never destroy earlier output, even when killed mid-write."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError

pytest.importorskip("pyarrow")

from decisionkit.scale import Policy, apply_to_parquet


def _policy():
    rng = np.random.default_rng(1)
    return Policy(
        rng.normal(-2, 0.1, 20),
        rng.normal(0.5, 0.1, (20, 1)),
        feature_names=["age"],
        benefit=1.0,
        harm=0.25,
    )


def _patients(n=50):
    return pd.DataFrame({"age": np.linspace(-1, 1, n)})


def test_apply_to_parquet_refuses_to_replace_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "precious.txt").write_text("keep me")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError, match="current folder"):
        apply_to_parquet(_policy(), _patients(), ".", overwrite=True)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_apply_to_parquet_refuses_a_parent_of_the_current_folder(tmp_path, monkeypatch):
    sub = tmp_path / "work"
    sub.mkdir()
    monkeypatch.chdir(sub)
    with pytest.raises(ValidationError, match="current folder or one of its parents"):
        apply_to_parquet(_policy(), _patients(), tmp_path, overwrite=True)
    assert sub.exists()


def test_apply_to_parquet_refuses_a_folder_it_did_not_write(tmp_path):
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "notes.md").write_text("mine")
    with pytest.raises(ValidationError, match="not a folder decisionkit wrote"):
        apply_to_parquet(_policy(), _patients(), project, overwrite=True)
    assert (project / "notes.md").read_text() == "mine"
    assert (project / "src").is_dir()


def test_apply_to_parquet_refuses_the_folder_it_reads_from(tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    src = tmp_path / "in.parquet"
    _patients().to_parquet(src)
    with pytest.raises(ValidationError, match="input is read from it"):
        apply_to_parquet(_policy(), dd.read_parquet(src), src, overwrite=True)


def test_apply_to_parquet_replaces_its_own_earlier_output(tmp_path):
    out = tmp_path / "recs.parquet"
    apply_to_parquet(_policy(), _patients(10), out)
    apply_to_parquet(_policy(), _patients(30), out, overwrite=True)
    assert len(pd.read_parquet(out)) == 30
    assert [p.name for p in tmp_path.iterdir()] == ["recs.parquet"]


_CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np, pandas as pd
    import decisionkit as dk
    from decisionkit.scale import Policy, apply_to_parquet
    kind, path = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(0)
    first = True
    while True:
        if kind == "outcomes":
            big = rng.normal(size=(100_000, 3))
            out = dk.OutcomeDistribution.from_arrays({"cost": big}, actions=["a", "b", "c"])
            out.to_netcdf(path)
        elif kind == "policy":
            Policy(rng.normal(size=100_000), rng.normal(size=(100_000, 3)),
                   feature_names=["x", "y", "z"], benefit=1.0, harm=0.25).to_netcdf(path)
        else:
            pol = Policy(rng.normal(size=50), rng.normal(size=(50, 1)), feature_names=["x"],
                         benefit=1.0, harm=0.25)
            apply_to_parquet(pol, pd.DataFrame({"x": rng.normal(size=100_000)}), path,
                             chunk_size=20_000, overwrite=True)
        if first:
            print("ready", flush=True)
            first = False
    """
)


def _read(kind, path):
    if kind == "outcomes":
        return dk.OutcomeDistribution.from_netcdf(path).n_draws
    if kind == "policy":
        return Policy.from_netcdf(path).n_draws
    return len(pd.read_parquet(path))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["outcomes", "policy", "parquet"])
def test_a_kill_during_a_write_leaves_the_previous_output_readable(tmp_path, kind):
    path = tmp_path / ("out.parquet" if kind == "parquet" else "out.nc")
    delays = [0.05, 0.5]  # an early and a late kill point in a write cycle
    for delay in delays:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, kind, str(path)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout.readline().strip() == "ready"  # one complete write exists
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert _read(kind, path) > 0  # the file/folder is complete and readable
    # the next successful write removes temporaries that killed writers left
    if kind == "outcomes":
        dk.OutcomeDistribution.from_arrays({"c": np.ones((3, 2))}).to_netcdf(path)
    elif kind == "policy":
        _policy().to_netcdf(path)
    else:
        apply_to_parquet(_policy(), _patients(), path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
