"""Tiny timing and memory harness shared by the benchmark scripts."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def best_time(fn: Callable[[], Any], *, repeat: int = 5) -> float:
    """Best wall time of ``repeat`` calls, in seconds (one warm-up call first)."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def peak_memory(fn: Callable[[], Any]) -> float:
    """Peak memory allocated by numpy/Python during one call, in bytes (tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return float(peak)


def report(name: str, seconds: float, *, target: float | None = None, extra: str = "") -> None:
    """Print one benchmark line."""
    verdict = "" if target is None else ("  OK" if seconds <= target else "  OVER TARGET")
    tgt = "" if target is None else f" (target <= {target * 1e3:.0f} ms)"
    print(f"{name:<58} {seconds * 1e3:9.1f} ms{tgt}{verdict} {extra}")
