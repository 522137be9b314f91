"""Shared command-line handling for the worked examples (not an example itself).

Every example accepts ``--fast`` (few draws, for the test suite) and ``--output DIR`` (where
its PNG figures go; default ``examples/output/<example name>``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ExampleArgs:
    """Parsed options of an example run."""

    fast: bool
    output: Path
    show_progress: bool

    def figure(self, name: str) -> Path:
        """Path of a figure file in the output folder (created on demand)."""
        self.output.mkdir(parents=True, exist_ok=True)
        return self.output / name


def parse_args(script: str, description: str, argv: list[str] | None = None) -> ExampleArgs:
    """Parse ``--fast`` and ``--output`` for the example at path ``script``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--fast", action="store_true", help="few draws, for tests (seconds)")
    parser.add_argument("--output", type=Path, default=None, help="folder for the PNG figures")
    args = parser.parse_args(argv)
    name = Path(script).stem
    out = args.output or Path(script).resolve().parent / "output" / name
    return ExampleArgs(fast=args.fast, output=out, show_progress=not args.fast)


def save(fig, args: ExampleArgs, name: str) -> Path:
    """Save a matplotlib figure as PNG in the output folder and close it."""
    import matplotlib.pyplot as plt

    path = args.figure(name)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    print(f"figure: {path}")
    return path
