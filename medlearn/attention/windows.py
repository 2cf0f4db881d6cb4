"""Local windows on a token grid: partition, reverse, shifted-window mask.

Windowed attention (Swin, Liu et al. 2021) cuts the token grid into
non-overlapping windows of ``window_size`` tokens and lets tokens attend only
inside their window. Every other layer the grid is rolled by half a window
(a cyclic shift) so that the new windows straddle the old borders; the roll
wraps the far edge of the image around to the near edge, and a mask stops
those wrapped tokens from attending to tokens that were not their neighbours.

Token grids here are channel-last, ``(N, H, W, C)`` in 2D and
``(N, D, H, W, C)`` in 3D, as in MONAI's ``SwinUNETR``. See chapter 04
(attention).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from medlearn._helpers import IntOrTuple, ntuple

__all__ = [
    "window_partition",
    "window_reverse",
    "shifted_window_mask",
    "relative_position_index",
]


def _check_divisible(spatial: Sequence[int], window: Sequence[int], name: str) -> None:
    if any(s % w for s, w in zip(spatial, window, strict=True)):
        raise ValueError(
            f"{name} {tuple(spatial)} must be divisible by window_size {tuple(window)}"
        )


def window_partition(x: Tensor, window_size: IntOrTuple) -> Tensor:
    """Cut a channel-last token grid into non-overlapping windows.

    Windows are ordered batch-major, then row-major over the window grid
    (z, y, x); tokens inside a window are row-major too. This is the layout of
    MONAI's and Swin's ``window_partition``.

    Args:
        x: token grid ``(N, H, W, C)`` or ``(N, D, H, W, C)``.
        window_size: window side, an int or one per spatial axis.

    Returns:
        Windows ``(N * num_windows, prod(window_size), C)``.

    Raises:
        ValueError: if ``x`` is not 4-D or 5-D, or a spatial size is not a
            multiple of the window size.

    Example:
        >>> window_partition(torch.zeros(2, 8, 8, 16), 4).shape
        torch.Size([8, 16, 16])
    """
    if not isinstance(x, Tensor) or x.ndim not in (4, 5):
        raise ValueError(
            f"x must be a (N, H, W, C) or (N, D, H, W, C) tensor, "
            f"got {getattr(x, 'shape', x)}"
        )
    N, *spatial, C = x.shape
    window = ntuple(window_size, len(spatial), "window_size")
    _check_divisible(spatial, window, "x spatial shape")
    grid = [s // w for s, w in zip(spatial, window, strict=True)]
    split = [v for g, w in zip(grid, window, strict=True) for v in (g, w)]
    x = x.reshape(N, *split, C)  # (N, g0, w0, g1, w1[, g2, w2], C)
    d = len(spatial)
    order = (0, *range(1, 2 * d, 2), *range(2, 2 * d + 1, 2), 2 * d + 1)
    x = x.permute(order)  # (N, g0, g1[, g2], w0, w1[, w2], C)
    return x.reshape(-1, math.prod(window), C)  # (N * nW, n, C)


def window_reverse(
    windows: Tensor, window_size: IntOrTuple, spatial: Sequence[int]
) -> Tensor:
    """Put windows back into a token grid; the exact inverse of window_partition.

    Args:
        windows: windows ``(N * num_windows, prod(window_size), C)``.
        window_size: window side, an int or one per spatial axis.
        spatial: the grid's spatial shape, ``(H, W)`` or ``(D, H, W)``.

    Returns:
        Token grid ``(N, H, W, C)`` or ``(N, D, H, W, C)``.

    Raises:
        ValueError: if the shapes of ``windows``, ``window_size`` and
            ``spatial`` do not fit together.

    Example:
        >>> window_reverse(torch.zeros(8, 16, 16), 4, (8, 8)).shape
        torch.Size([2, 8, 8, 16])
    """
    spatial = tuple(spatial)
    if len(spatial) not in (2, 3):
        raise ValueError(f"spatial must be (H, W) or (D, H, W), got {spatial!r}")
    window = ntuple(window_size, len(spatial), "window_size")
    _check_divisible(spatial, window, "spatial")
    grid = [s // w for s, w in zip(spatial, window, strict=True)]
    if (
        not isinstance(windows, Tensor)
        or windows.ndim != 3
        or windows.shape[1] != math.prod(window)
        or windows.shape[0] % math.prod(grid)
    ):
        raise ValueError(
            f"windows must be (N * {math.prod(grid)}, {math.prod(window)}, C) for "
            f"spatial {spatial} and window_size {window}, "
            f"got {getattr(windows, 'shape', windows)}"
        )
    C = windows.shape[-1]
    d = len(spatial)
    x = windows.reshape(-1, *grid, *window, C)  # (N, g0, g1[, g2], w0, w1[, w2], C)
    order = (0, *(i for a in range(1, d + 1) for i in (a, a + d)), 2 * d + 1)
    x = x.permute(order)  # (N, g0, w0, g1, w1[, g2, w2], C)
    return x.reshape(-1, *spatial, C)  # (N, *spatial, C)


def shifted_window_mask(
    spatial: Sequence[int],
    window_size: IntOrTuple,
    shift: IntOrTuple,
    device: torch.device | str | None = None,
) -> Tensor:
    """Which tokens may attend to which inside each window after a cyclic shift.

    The grid is rolled by ``-shift`` before partitioning (``torch.roll``), so
    the token at rolled position ``p`` came from ``(p + shift) mod L``: along
    each axis, the last ``shift`` positions wrapped around from the start of
    the image. Two tokens of the same window may attend to each other only if
    they wrapped along the same axes, i.e. they were neighbours before the
    roll. This gives the same mask as MONAI's ``compute_mask``.

    Args:
        spatial: grid shape ``(H, W)`` or ``(D, H, W)``, multiples of the window.
        window_size: window side, an int or one per spatial axis.
        shift: cyclic shift, an int or one per axis, each in ``[0, window)``.
        device: device of the returned mask. Defaults to None (the CPU).

    Returns:
        Boolean mask ``(num_windows, n, n)`` with ``n = prod(window_size)``;
        True where attention is allowed (the convention of
        ``torch.nn.functional.scaled_dot_product_attention``).

    Raises:
        ValueError: if a shift is outside ``[0, window)`` or the spatial shape
            is not a multiple of the window.

    Example:
        >>> shifted_window_mask((8, 8), 4, 2).shape
        torch.Size([4, 16, 16])
    """
    spatial = tuple(spatial)
    if len(spatial) not in (2, 3):
        raise ValueError(f"spatial must be (H, W) or (D, H, W), got {spatial!r}")
    window = ntuple(window_size, len(spatial), "window_size")
    shifts = ntuple(shift, len(spatial), "shift", minimum=0)
    if any(s >= w for s, w in zip(shifts, window, strict=True)):
        raise ValueError(f"shift {shifts} must be smaller than window_size {window}")
    _check_divisible(spatial, window, "spatial")
    region = torch.zeros(spatial, dtype=torch.long, device=device)
    for axis, (length, s) in enumerate(zip(spatial, shifts, strict=True)):
        wrapped = torch.arange(length, device=device) >= length - s  # (L,)
        view = [1] * len(spatial)
        view[axis] = length
        region = region * 2 + wrapped.long().view(view)  # one bit per axis
    labels = window_partition(region[None, ..., None], window).squeeze(-1)  # (nW, n)
    return labels[:, :, None] == labels[:, None, :]  # (nW, n, n)


def relative_position_index(window_size: Sequence[int]) -> Tensor:
    """Index into a relative position bias table for every pair of window tokens.

    The offset ``(dz, dy, dx)`` from key to query, each in ``(-w, w)``, is
    shifted to ``[0, 2w - 1)`` and flattened row-major, giving an index into a
    table of ``prod(2 * window_size - 1)`` rows: the layout of Swin and MONAI.

    Args:
        window_size: window side per spatial axis, ``(Wh, Ww)`` or ``(Wd, Wh, Ww)``.

    Returns:
        Long tensor ``(n, n)`` with ``n = prod(window_size)``.

    Example:
        >>> relative_position_index((2, 2))
        tensor([[4, 3, 1, 0],
                [5, 4, 2, 1],
                [7, 6, 4, 3],
                [8, 7, 5, 4]])
    """
    window = ntuple(tuple(window_size), len(window_size), "window_size")
    axes = [torch.arange(w) for w in window]
    coords = torch.stack(torch.meshgrid(*axes, indexing="ij")).flatten(1)  # (d, n)
    offsets = coords[:, :, None] - coords[:, None, :]  # (d, n, n)
    index = torch.zeros(offsets.shape[1:], dtype=torch.long)
    for axis, w in enumerate(window):
        index = index * (2 * w - 1) + offsets[axis] + (w - 1)  # row-major flatten
    return index
