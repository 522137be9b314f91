"""`make app` from a fresh clone creates its venv, installs the project and serves the app.

The install uses the machine's warm pip cache / local wheel mirror; it is timed apart from
the time the server then takes to answer /_stcore/health (the issue's 60 s budget).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest
from _server import REPO, free_port, health_ok

pytestmark = pytest.mark.slow

INSTALL_TIMEOUT = 900  # s: creating .venv and pip-installing every dependency
SERVE_TIMEOUT = 60  # s: from the end of the install to a healthy server


@pytest.mark.skipif(
    shutil.which("make") is None or shutil.which("git") is None, reason="needs make and git"
)
def test_make_app_in_fresh_clone_serves_home_page(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    log = open(tmp_path / "make_app.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        ["make", "app", f"PORT={port}"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        start = time.perf_counter()
        stamp = clone / ".venv" / ".installed"
        while not stamp.exists():
            assert proc.poll() is None, (tmp_path / "make_app.log").read_text()[-3000:]
            assert time.perf_counter() - start < INSTALL_TIMEOUT, "install took too long"
            time.sleep(0.5)
        installed = time.perf_counter()
        while not health_ok(port):
            assert proc.poll() is None, (tmp_path / "make_app.log").read_text()[-3000:]
            assert time.perf_counter() - installed < SERVE_TIMEOUT, "server not healthy in 60 s"
            time.sleep(0.2)
        served = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
            assert resp.status == 200
            assert b"<html" in resp.read().lower()
        print(
            f"\nmake app: install {installed - start:.1f} s, then serve {served - installed:.1f}"
            f" s (total {served - start:.1f} s)"
        )
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
