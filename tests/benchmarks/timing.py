"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of fn takes (monotonic clock)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def ratio_line(name: str, measured: list[float], baseline: list[float]) -> str:
    """``<name> <median measured / median baseline>`` with the two medians in ms."""
    m, b = median(measured), median(baseline)
    return f"{name} {m / b:.4f}  # {m * 1000:.1f} ms / baseline {b * 1000:.1f} ms"
