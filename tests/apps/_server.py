"""Start and stop a real Streamlit server for the end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APP_DIR = REPO / "apps"


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health_ok(port: int) -> bool:
    """Whether Streamlit's health endpoint answers 'ok'."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


def wait_healthy(port: int, timeout: float, proc: subprocess.Popen | None = None) -> float:
    """Poll the health endpoint; return the seconds waited, or raise TimeoutError."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if health_ok(port):
            return time.perf_counter() - start
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before serving")
        time.sleep(0.1)
    raise TimeoutError(f"no healthy server on port {port} after {timeout:.0f} s")


def start_streamlit(port: int, log_path: Path) -> subprocess.Popen:
    """``streamlit run apps/dashboard.py`` on 127.0.0.1:port from apps/ (its config.toml)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process in stop()
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP_DIR / "dashboard.py"),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=APP_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stop() ends all its children
    )


def stop(proc: subprocess.Popen) -> None:
    """Stop a server started with ``start_new_session=True`` and its whole process group."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
