"""Tiny timing and memory harness shared by the benchmark scripts."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def best_time(fn: Callable[[], Any], *, repeat: int = 5) -> float:
    """Best wall time of ``repeat`` calls, in seconds (one warm-up call first)."""
    return best_times(fn, repeat=repeat)[0]


def best_times(fn: Callable[[], Any], *, repeat: int = 5) -> tuple[float, float]:
    """Best wall time and best CPU time (``time.process_time``) of ``repeat`` calls.

    CPU time is the steadier figure on a shared machine: other processes inflate wall time.
    """
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def peak_memory(fn: Callable[[], Any]) -> float:
    """Peak memory allocated by numpy/Python during one call, in bytes (tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return float(peak)


def report(
    name: str,
    seconds: float,
    *,
    target: float | None = None,
    extra: str = "",
    cpu: float | None = None,
) -> None:
    """Print one benchmark line (wall time, optional CPU time, verdict against the target)."""
    verdict = "" if target is None else ("  OK" if seconds <= target else "  OVER TARGET")
    tgt = "" if target is None else f" (target <= {target * 1e3:.0f} ms)"
    cpu_text = "" if cpu is None else f" [cpu {cpu * 1e3:.1f} ms]"
    print(f"{name:<52} {seconds * 1e3:9.1f} ms{cpu_text}{tgt}{verdict} {extra}")
