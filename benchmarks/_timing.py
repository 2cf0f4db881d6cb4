"""Timing shared by the benchmarks: one process, same inputs, alternating repeats."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def alternating_medians(
    fns: dict[str, Callable[[], object]], repeats: int
) -> dict[str, float]:
    """Median seconds of each function, measured in turns after one warm-up each.

    Taking turns (A, B, A, B, ...) makes a busy machine slow every side alike,
    so the ratios stay meaningful even when the absolute times do not.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}
