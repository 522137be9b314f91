"""The built wheel works in a fresh environment: `decisionkit app` and `decisionkit examples`.

Builds the sdist of this checkout and the wheel from it with uv, installs the wheel with the
`app` extra into a new venv (uv reuses its local cache, so this works offline once the
dependencies have been installed once), then, from a folder outside the repository, starts
the dashboard until Streamlit's health endpoint answers and runs example 1 in --fast mode.
Slow: ~30 s of CPU.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


def uv(*args: str, cwd: Path) -> None:
    """Run uv offline first (local cache only), then online if the cache lacks something."""
    for offline in (["--offline"], []):
        proc = subprocess.run(
            [UV, *args, *offline], cwd=cwd, capture_output=True, text=True, timeout=600
        )
        if proc.returncode == 0:
            return
    raise AssertionError(
        f"uv {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    )


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["MPLBACKEND"] = "Agg"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if UV is None:
        pytest.skip("uv is not installed (make .venv/.installed installs it)")
    root = tmp_path_factory.mktemp("wheel")
    # sdist first, then the wheel from the unpacked sdist (uv's default): what a release does,
    # and no stale build/ folder of the working tree can leak into the wheel
    uv("build", "--out-dir", str(root / "dist"), str(REPO), cwd=REPO)
    (wheel,) = (root / "dist").glob("pydecisionkit-*.whl")
    venv = root / "venv"
    uv("venv", "--python", sys.executable, str(venv), cwd=root)
    python = venv / "bin" / "python"
    uv("pip", "install", "--python", str(python), f"{wheel}[app]", cwd=root)
    work = root / "work"  # outside the repository: nothing can be imported from the clone
    work.mkdir()
    return wheel, venv, work


def tracked(folder: str) -> set[str]:
    out = subprocess.run(
        ["git", "ls-files", folder], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return {str(Path(p).relative_to(folder)) for p in out}


def test_wheel_ships_every_tracked_file_of_apps_and_examples(installed):
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, package in (("apps", "decisionkit/_apps"), ("examples", "decisionkit/_examples")):
        shipped = {n.removeprefix(package + "/") for n in names if n.startswith(package + "/")}
        assert tracked(folder) <= shipped, tracked(folder) - shipped
        assert not [n for n in shipped if "__pycache__" in n or n.startswith("output/")]
    assert "decisionkit/_apps/.streamlit/config.toml" in names


def test_installed_package_is_the_wheel_not_the_clone(installed):
    _, venv, work = installed
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import decisionkit; print(decisionkit.__file__)"],
        cwd=work,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_decisionkit_app_serves_the_health_endpoint(installed):
    _, venv, work = installed
    port = free_port()
    proc = subprocess.Popen(
        [venv / "bin" / "decisionkit", "app", "--port", str(port)],
        cwd=work,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: stopping it also stops streamlit
    )
    try:
        body, deadline = None, time.monotonic() + 600
        while body is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=5
                ) as r:
                    body = r.read().decode()
            except OSError:
                time.sleep(0.5)
        assert body == "ok", f"no health answer; exit code {proc.poll()}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            assert r.status == 200 and "<html" in r.read().decode().lower()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert f"decisionkit dashboard: http://127.0.0.1:{port}" in out


def test_decisionkit_examples_runs_example_1_fast(installed):
    _, venv, work = installed
    proc = subprocess.run(
        [venv / "bin" / "decisionkit", "examples", "--run", "1", "--fast"],
        cwd=work,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count("RECOMMENDATION: ") == 1
    figures = list((work / "decisionkit-examples" / "01_treat_or_not").glob("*.png"))
    assert figures, proc.stdout[-2000:]
    listing = subprocess.run(
        [venv / "bin" / "decisionkit", "examples"],
        cwd=work,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "02_cost_effective_drug" in listing
