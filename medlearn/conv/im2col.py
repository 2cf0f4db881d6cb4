"""Windows of an image: sizes, padding, a strided view, and im2col.

A convolution or pooling layer looks at one window per output position. This
file finds those windows: how many there are along an axis
(:func:`conv_output_size`), how much padding goes before and after
(``"same"``/``"valid"``), a zero-copy view of all of them
(:func:`sliding_windows`), and im2col, which copies each window into one
column so that a convolution becomes a single matrix product. Inputs are
``(N, C, *spatial)`` with 1 to 3 spatial axes. See chapter 02 (convolution).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor

from medlearn._helpers import IntOrTuple, ntuple

__all__ = ["Padding", "conv_output_size", "sliding_windows", "im2col"]

Padding = int | Sequence[int] | str


def _pads(
    padding: Padding, kernel: tuple[int, ...], dilation: tuple[int, ...]
) -> tuple[tuple[int, int], ...]:
    """Padding as (before, after) per axis; "same" puts any odd extra after."""
    if padding == "valid":
        return tuple((0, 0) for _ in kernel)
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return tuple((t // 2, t - t // 2) for t in totals)
    if isinstance(padding, str):
        raise ValueError(
            f"padding must be an int, a tuple, 'valid' or 'same', got {padding!r}"
        )
    return tuple((p, p) for p in ntuple(padding, len(kernel), "padding", 0))


def conv_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a convolution or pooling along one axis.

    ``floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1``

    Args:
        size: input length along the axis.
        kernel_size: kernel length.
        stride: step between windows. Defaults to 1.
        padding: zeros added on each side. Defaults to 0.
        dilation: gap between kernel taps. Defaults to 1.

    Returns:
        The output length (may be <= 0 when the kernel does not fit).

    Example:
        >>> conv_output_size(128, 3, stride=2, padding=1)
        64
    """
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def sliding_windows(
    x: Tensor,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Tensor:
    """A strided view of every window of an (already padded) input; no copy.

    ``Tensor.unfold`` along each spatial axis appends a window axis spanning
    ``dilation * (kernel - 1) + 1`` samples, of which every ``dilation``-th is
    a kernel tap.

    Args:
        x: padded input ``(N, C, *S)``.
        kernel: kernel size per spatial axis.
        stride: step between windows per axis.
        dilation: gap between taps per axis.

    Returns:
        A view ``(N, C, *O, *K)``: the output positions, then the kernel taps.

    Example:
        >>> import torch
        >>> sliding_windows(torch.zeros(1, 2, 5, 5), (3, 3), (1, 1), (1, 1)).shape
        torch.Size([1, 2, 3, 3, 3, 3])
    """
    for axis, (k, s, d) in enumerate(zip(kernel, stride, dilation, strict=True)):
        # unfold appends a window axis of span d*(k-1)+1; keep every d-th tap
        x = x.unfold(2 + axis, d * (k - 1) + 1, s)[..., ::d]
    return x


def im2col(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """Copy every convolution window into a column (im2col), in 1D, 2D or 3D.

    Args:
        x: input ``(N, C, *spatial)`` with 1 to 3 spatial axes.
        kernel_size: kernel size, an int or one per axis.
        stride: step between windows. Defaults to 1.
        padding: zeros on each side, or "valid"/"same". Defaults to 0.
        dilation: gap between kernel taps. Defaults to 1.

    Returns:
        Columns ``(N, C * prod(kernel_size), L)`` with ``L`` output positions,
        ordered like ``torch.nn.functional.unfold``.

    Raises:
        ValueError: if ``x`` is not ``(N, C, *spatial)`` or an argument is invalid.

    Example:
        >>> import torch
        >>> im2col(torch.zeros(2, 3, 8, 8), 3, padding=1).shape
        torch.Size([2, 27, 64])
    """
    if not isinstance(x, Tensor) or x.ndim not in (3, 4, 5):
        raise ValueError(
            f"x must be a (N, C, *spatial) tensor, got {getattr(x, 'shape', x)}"
        )
    n = x.ndim - 2
    kernel = ntuple(kernel_size, n, "kernel_size", 1)
    dil = ntuple(dilation, n, "dilation", 1)
    x = F.pad(x, [p for pair in reversed(_pads(padding, kernel, dil)) for p in pair])
    windows = sliding_windows(x, kernel, ntuple(stride, n, "stride", 1), dil)
    N, C = windows.shape[:2]
    order = (0, 1, *range(2 + n, 2 + 2 * n), *range(2, 2 + n))
    return windows.permute(order).reshape(N, C * math.prod(kernel), -1)  # (N, C*K, L)
