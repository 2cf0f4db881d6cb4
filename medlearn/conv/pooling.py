"""Max and average pooling from the definition, on the windows of a convolution.

Pooling slides the same windows as a convolution (:func:`sliding_windows`)
but reduces each one with a fixed rule instead of learned weights: its
largest value (max pooling) or its mean (average pooling). Inputs are
``(N, C, H, W)`` in 2D and ``(N, C, D, H, W)`` in 3D. See chapter 02
(convolution).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from medlearn._helpers import IntOrTuple, ntuple
from medlearn.conv.im2col import sliding_windows

__all__ = ["max_pool2d", "max_pool3d", "avg_pool2d", "avg_pool3d"]


def _pool(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None,
    padding: IntOrTuple,
    dilation: IntOrTuple,
    spatial_dims: int,
    mode: str,
    *,
    include_pad: bool = True,
) -> Tensor:
    if not isinstance(x, Tensor) or x.ndim != spatial_dims + 2:
        shape = "(N, C, H, W)" if spatial_dims == 2 else "(N, C, D, H, W)"
        got = getattr(x, "shape", type(x).__name__)
        raise ValueError(f"x must be a {shape} tensor, got {got}")
    kernel = ntuple(kernel_size, spatial_dims, "kernel_size", 1)
    stride = kernel if stride is None else ntuple(stride, spatial_dims, "stride", 1)
    pad = ntuple(padding, spatial_dims, "padding", 0)
    dil = ntuple(dilation, spatial_dims, "dilation", 1)
    if any(2 * p > k for p, k in zip(pad, kernel, strict=True)):
        raise ValueError(f"padding must be at most kernel_size {kernel} / 2, got {pad}")
    flat_pad = [p for p in reversed(pad) for _ in range(2)]
    fill = -math.inf if mode == "max" else 0.0
    windows = sliding_windows(F.pad(x, flat_pad, value=fill), kernel, stride, dil)
    taps = tuple(range(-spatial_dims, 0))  # the kernel axes of (N, C, *O, *K)
    if mode == "max":
        return windows.amax(dim=taps)  # (N, C, *O)
    if include_pad:
        return windows.mean(dim=taps)  # (N, C, *O)
    ones = F.pad(torch.ones_like(x[:1, :1]), flat_pad)  # (1, 1, *padded)
    counts = sliding_windows(ones, kernel, stride, dil).sum(dim=taps)  # (1, 1, *O)
    return windows.sum(dim=taps) / counts  # (N, C, *O)


def max_pool2d(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """Max pooling from the definition: the largest value of every window.

    Args:
        x: input ``(N, C, H, W)``.
        kernel_size: window size, int or per axis.
        stride: step between windows. Defaults to None (= kernel_size).
        padding: -inf added on each side, at most kernel_size / 2. Defaults to 0.
        dilation: gap between window taps. Defaults to 1.

    Returns:
        ``(N, C, H_out, W_out)``, equal to ``torch.nn.functional.max_pool2d``.

    Raises:
        ValueError: on a wrong shape or an invalid size argument.

    Example:
        >>> max_pool2d(torch.arange(16.0).view(1, 1, 4, 4), 2).flatten().tolist()
        [5.0, 7.0, 13.0, 15.0]

    See chapter 02 (convolution).
    """
    return _pool(x, kernel_size, stride, padding, dilation, 2, "max")


def max_pool3d(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """:func:`max_pool2d` on ``(N, C, D, H, W)``, to ``(N, C, D_out, H_out, W_out)``.

    Example:
        >>> max_pool3d(torch.randn(1, 1, 4, 4, 4), 2).shape
        torch.Size([1, 1, 2, 2, 2])
    """
    return _pool(x, kernel_size, stride, padding, dilation, 3, "max")


def avg_pool2d(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    *,
    count_include_pad: bool = True,
) -> Tensor:
    """Average pooling from the definition: the mean of every window.

    Args:
        x: input ``(N, C, H, W)``.
        kernel_size: window size, int or per axis.
        stride: step between windows. Defaults to None (= kernel_size).
        padding: zeros added on each side, at most kernel_size / 2. Defaults to 0.
        count_include_pad: divide by the whole window (True) or only by its
            pixels inside the image (False). Defaults to True.

    Returns:
        ``(N, C, H_out, W_out)``, equal to ``torch.nn.functional.avg_pool2d``.

    Raises:
        ValueError: on a wrong shape or an invalid size argument.

    Example:
        >>> avg_pool2d(torch.arange(16.0).view(1, 1, 4, 4), 2).flatten().tolist()
        [2.5, 4.5, 10.5, 12.5]

    See chapter 02 (convolution).
    """
    return _pool(
        x, kernel_size, stride, padding, 1, 2, "avg", include_pad=count_include_pad
    )


def avg_pool3d(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    *,
    count_include_pad: bool = True,
) -> Tensor:
    """:func:`avg_pool2d` on ``(N, C, D, H, W)``, to ``(N, C, D_out, H_out, W_out)``.

    Example:
        >>> avg_pool3d(torch.randn(1, 1, 4, 4, 4), 2).shape
        torch.Size([1, 1, 2, 2, 2])
    """
    return _pool(
        x, kernel_size, stride, padding, 1, 3, "avg", include_pad=count_include_pad
    )
