"""Run a worked example script in ``--fast`` mode and parse what it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


@dataclass(frozen=True)
class ExampleRun:
    """Output of one example run: stdout, the RECOMMENDATION line, KEY numbers, figures."""

    stdout: str
    recommendation: str
    key: dict[str, str]
    figures: list[str]
    output: Path

    def numbers(self) -> dict[str, float]:
        """Every KEY value that is a number, as floats."""
        out = {}
        for k, v in self.key.items():
            try:
                out[k] = float(v)
            except ValueError:
                continue
        return out

    def number(self, name: str) -> float:
        """A KEY value as a float."""
        return float(self.key[name])


HANG_FACTOR = 6


def _run(name: str, tmp_path: Path, timeout: float = 120) -> ExampleRun:
    script = EXAMPLES / name
    out = tmp_path / "figures"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run(
        [sys.executable, str(script), "--fast", "--output", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        # a hang guard, not a speed check: the per-example figure is the run time on a quiet
        # machine, and a machine shared with other jobs runs several times slower
        timeout=HANG_FACTOR * timeout,
    )
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    rec = re.findall(r"^RECOMMENDATION: (.+)$", proc.stdout, flags=re.M)
    assert len(rec) == 1, f"{name} must print exactly one RECOMMENDATION line:\n{proc.stdout}"
    keys = re.findall(r"^KEY: (.+)$", proc.stdout, flags=re.M)
    key = dict(item.split("=", 1) for line in keys for item in line.split())
    figures = sorted(p.name for p in out.glob("*.png")) if out.is_dir() else []
    return ExampleRun(proc.stdout, rec[0], key, figures, out)


@pytest.fixture(scope="session")
def example_runner(tmp_path_factory) -> Callable[..., ExampleRun]:
    """``example_runner("02_cost_effective_drug.py")`` runs it with ``--fast`` in a tmp folder.

    Use it from a module-scoped fixture so each example runs once per test module.
    """

    def run(name: str, timeout: float = 120) -> ExampleRun:
        return _run(name, tmp_path_factory.mktemp(Path(name).stem), timeout)

    return run
