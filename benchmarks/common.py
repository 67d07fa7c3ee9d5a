"""Timing helpers shared by the benchmarks: best of N runs, after a warm-up."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> float:
    """Fastest wall time of `repeat` calls, in seconds (warm caches, warm Ray workers)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
