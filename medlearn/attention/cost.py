"""What attention costs: counted (FLOPs) and measured (time, peak memory).

Global self-attention over ``n`` tokens forms an ``n x n`` score matrix, so
its compute and, on the explicit path, its memory grow as ``n^2``; windowed
attention forms ``n / M^2`` matrices of ``M^2 x M^2`` and grows as ``n``.
``attention_scaling`` measures both on the same token grids and
``growth_exponent`` fits the power law; the clock and the memory tracker are
:mod:`medlearn.timing`'s. Used by the chapter and by
``benchmarks/bench_attention.py``. See chapter 04 (attention).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial

import numpy as np
import torch

from medlearn.attention.core import MultiHeadSelfAttention
from medlearn.attention.swin import WindowAttention
from medlearn.attention.windows import window_partition
from medlearn.timing import measure, peak_memory

__all__ = [
    "attention_flops",
    "growth_exponent",
    "attention_scaling",
]


def attention_flops(
    num_tokens: int, dim: int, window: int | Sequence[int] | None = None
) -> int:
    """Multiply-adds of one self-attention layer, after Liu et al. (2021), eq. 1-2.

    Global: ``4 n C^2 + 2 n^2 C`` (projections to q, k, v and out; then
    ``q k^T`` and the weighted sum of values). Windowed with ``M^2`` tokens
    per window: ``4 n C^2 + 2 M^2 n C``, linear in ``n``.

    Args:
        num_tokens: number of tokens ``n``.
        dim: channels ``C``.
        window: None for global attention; an int ``M`` for square ``M x M``
            windows (the paper's notation); or a window shape such as
            ``(7, 7, 7)``, whose product is the tokens per window.
            Defaults to None.

    Returns:
        The count as an int.

    Raises:
        ValueError: if a size is not a positive int.

    Example:
        >>> attention_flops(56 * 56, 96), attention_flops(56 * 56, 96, window=7)
        (2003828736, 145108992)
    """
    if num_tokens < 1 or dim < 1:
        raise ValueError(
            f"num_tokens and dim must be positive, got {num_tokens} and {dim}"
        )
    projections = 4 * num_tokens * dim**2
    if window is None:
        return projections + 2 * num_tokens**2 * dim
    per_window = window**2 if isinstance(window, int) else math.prod(window)
    if per_window < 1:
        raise ValueError(f"window must be positive, got {window!r}")
    return projections + 2 * per_window * num_tokens * dim


def growth_exponent(sizes: Sequence[float], costs: Sequence[float]) -> float:
    """Least-squares slope of log(cost) against log(size): cost ~ size^k.

    Args:
        sizes: problem sizes (e.g. token counts), positive.
        costs: measured costs, positive.

    Returns:
        The exponent ``k``.

    Example:
        >>> round(growth_exponent([1, 2, 4], [3, 12, 48]), 6)
        2.0
    """
    return float(np.polyfit(np.log(sizes), np.log(costs), 1)[0])


def attention_scaling(
    sides: Sequence[int] = (16, 32, 64),
    dim: int = 32,
    window: int = 8,
    repeats: int = 5,
    seed: int = 0,
    threads: int | None = 1,
) -> list[dict[str, float]]:
    """Measure global vs windowed self-attention on square token grids.

    For each grid side, one head on ``side x side`` tokens: forward time with
    the fused kernel (fastest of ``repeats`` calls), and peak tensor memory of
    the explicit path (which holds the score matrices).

    Args:
        sides: grid sides; the token count is ``side ** 2``. Defaults to
            (16, 32, 64).
        dim: token features. Defaults to 32.
        window: window side ``M`` (a multiple of every side). Defaults to 8.
        repeats: timed calls per measurement. Defaults to 5.
        seed: seed of the random tokens and weights. Defaults to 0.
        threads: torch threads during the measurement (restored after); one
            thread keeps a busy shared machine from distorting the timings of
            small calls. None keeps the current setting. Defaults to 1.

    Returns:
        One dict per side: ``tokens``, ``time_global``, ``time_windowed``
        (seconds), ``memory_global``, ``memory_windowed`` (bytes),
        ``flops_global``, ``flops_windowed``.

    Example:
        >>> rows = attention_scaling(sides=(8, 16), dim=8, window=4, repeats=1)
        >>> [r["tokens"] for r in rows]
        [64, 256]
    """
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        glob = MultiHeadSelfAttention(dim, num_heads=1)
        local = WindowAttention(dim, 1, (window, window))
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        with torch.no_grad():
            rows = [
                _measure(side, dim, window, repeats, glob, local, g) for side in sides
            ]
    finally:
        torch.set_num_threads(previous_threads)
    return rows


def _measure(
    side: int,
    dim: int,
    window: int,
    repeats: int,
    glob: MultiHeadSelfAttention,
    local: WindowAttention,
    g: torch.Generator,
) -> dict[str, float]:
    """One row of ``attention_scaling``: one square grid of ``side x side`` tokens."""
    x = torch.randn(1, side, side, dim, generator=g)  # (N, H, W, C)
    inputs = {
        "global": (glob, x.flatten(1, 2)),  # (N, n, C)
        "windowed": (local, window_partition(x, window)),  # (nW, M * M, C)
    }
    row = {"tokens": side * side}
    for name, (module, inp) in inputs.items():
        module.fused = True
        row[f"time_{name}"] = measure(partial(module, inp), repeats=repeats).best
        module.fused = False  # the explicit path holds the score matrices
        row[f"memory_{name}"] = peak_memory(partial(module, inp))
        module.fused = True
    row["flops_global"] = attention_flops(side * side, dim)
    row["flops_windowed"] = attention_flops(side * side, dim, window)
    return row
