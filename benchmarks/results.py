"""One machine-readable row per comparison a benchmark prints.

A benchmark calls :func:`record` beside each ratio it prints. When
``benchmarks/run_all.py`` (``make bench``) runs it, the environment variable
``MEDLEARN_BENCH_RESULTS`` names a JSON-lines file and every row is appended
there; run alone, a benchmark only prints. Rows carry what makes a ratio
comparable: the sizes, the threads, torch's version, the device and the
machine.

The ratio is always medlearn's time over the peer's (below 1: medlearn is
faster), whichever way the benchmark's own table prints it.
"""

from __future__ import annotations

import json
import math
import os
import platform

import torch

__all__ = ["ENV", "record", "machine"]

ENV = "MEDLEARN_BENCH_RESULTS"


def machine() -> str:
    """``"x86_64, 2 CPUs"`` (and the GPU's name when CUDA is present)."""
    text = f"{platform.machine()}, {os.cpu_count()} CPUs"
    if torch.cuda.is_available():
        text += f", {torch.cuda.get_device_name()}"
    return text


def record(
    benchmark: str,
    peer: str,
    ratio: float,
    *,
    sizes: str,
    device: str = "cpu",
    threads: int | None = None,
) -> None:
    """Append one comparison to the results file, if ``make bench`` asked for one.

    Args:
        benchmark: the row's name, e.g. ``"window_attention_2d_train"``.
        peer: what medlearn is compared with, e.g. ``"MONAI 1.6.1"``.
        ratio: medlearn's time / the peer's time.
        sizes: the inputs, in words (``"(2, 96, 56, 56), window 7"``).
        device: where it ran. Defaults to "cpu".
        threads: torch's threads. Defaults to None (``torch.get_num_threads()``).

    Raises:
        ValueError: for a ratio that is not a positive finite number.
    """
    if not (math.isfinite(ratio) and ratio > 0):
        raise ValueError(f"ratio of {benchmark} vs {peer}: expected > 0, got {ratio!r}")
    path = os.environ.get(ENV)
    if not path:
        return
    row = {
        "benchmark": benchmark,
        "peer": peer,
        "ratio": float(ratio),
        "sizes": sizes,
        "device": device,
        "threads": threads if threads is not None else torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": machine(),
    }
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
