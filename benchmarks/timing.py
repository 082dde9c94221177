"""Timing helpers shared by the benchmarks."""
from __future__ import annotations

import time


def time_calls(fn, warmup: int, repeats: int) -> list[float]:
    """Call fn warmup times untimed, then return the wall times of repeats further calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def median(xs):
    """Median of a non-empty sequence."""
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])
