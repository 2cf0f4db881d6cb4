"""Low-pass filters: the binomial kernel and depthwise filtering with it.

Before a signal is subsampled, a low-pass filter removes what the coarser
grid cannot hold. The binomial kernel (a row of Pascal's triangle, summing to
1) is the filter of BlurPool (Zhang 2019); :func:`depthwise_filter` applies it
to each channel on its own, at the kept positions only. Inputs are
``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``. See chapter 03 (unet).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from medlearn._helpers import check_choice, check_positive_int

__all__ = ["PADDING_MODES", "binomial_kernel", "depthwise_filter", "blur"]

PADDING_MODES = ("reflect", "replicate", "circular", "zeros")


def _spatial_dims(x: Tensor, name: str = "x") -> int:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"{name} must have shape (N, C, L), (N, C, H, W) or (N, C, D, H, W), "
            f"got {tuple(x.shape)}"
        )
    return x.ndim - 2


def binomial_kernel(
    kernel_size: int = 3,
    spatial_dims: int = 2,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """Normalised binomial low-pass kernel: a row of Pascal's triangle, summing to 1.

    The n-D kernel is the outer product of the 1D one, divided by its sum so that
    a constant image passes through unchanged (DC gain 1). Size 3 is
    ``[1, 2, 1] / 4`` per axis; larger sizes approach a Gaussian.

    Args:
        kernel_size: taps per axis (>= 1). Defaults to 3.
        spatial_dims: number of spatial axes, 1, 2 or 3. Defaults to 2.
        dtype: dtype of the result. Defaults to torch.float32.
        device: device of the result. Defaults to None (CPU).

    Returns:
        Tensor of shape ``(kernel_size,) * spatial_dims`` summing to 1.

    Raises:
        ValueError: if ``kernel_size < 1`` or ``spatial_dims`` is not 1, 2 or 3.

    Example:
        >>> binomial_kernel(3, spatial_dims=1)
        tensor([0.2500, 0.5000, 0.2500])
    """
    check_positive_int("kernel_size", kernel_size)
    check_choice("spatial_dims", spatial_dims, (1, 2, 3))
    n = kernel_size - 1
    taps = torch.tensor(
        [math.comb(n, k) for k in range(kernel_size)], dtype=torch.float64
    )
    kernel = taps
    for _ in range(spatial_dims - 1):
        kernel = kernel[..., None] * taps  # outer product, one more axis
    kernel = kernel / kernel.sum()
    return kernel.to(dtype=dtype, device=device)


def depthwise_filter(
    x: Tensor, kernel: Tensor, stride: int = 1, padding_mode: str = "reflect"
) -> Tensor:
    """Filter every channel on its own with ``kernel``, keeping every ``stride``-th.

    A depthwise convolution (``groups = C``): channels never mix, and with a
    kernel that sums to 1 flat regions keep their value. The input is padded
    ``(k - 1) // 2`` before and ``k // 2`` after on each axis (asymmetric for
    even kernels, as in Zhang 2019), so the output has ``ceil(n / stride)``
    samples per axis; only the kept positions are computed.

    Args:
        x: input ``(N, C, *spatial)``, 1 to 3 spatial axes.
        kernel: ``(k,) * spatial_dims`` filter, e.g. :func:`binomial_kernel`.
        stride: keep every ``stride``-th output per axis. Defaults to 1.
        padding_mode: "reflect", "replicate", "circular" or "zeros". Defaults to
            "reflect".

    Returns:
        Tensor of shape ``(N, C, *ceil(spatial / stride))``.

    Raises:
        TypeError: if ``x`` is not a tensor.
        ValueError: on a bad shape or padding mode, or a reflect padding wider
            than the input.

    Example:
        >>> k = binomial_kernel(3, spatial_dims=1)
        >>> depthwise_filter(torch.tensor([[[0.0, 4.0, 0.0, 4.0]]]), k).tolist()
        [[[2.0, 2.0, 2.0, 2.0]]]

    See chapter 03 (unet).
    """
    dims = _spatial_dims(x)
    N, C = x.shape[:2]
    k = kernel.shape[0]
    lo, hi = (k - 1) // 2, k // 2  # asymmetric for even kernels, as in Zhang 2019
    if padding_mode not in PADDING_MODES:
        raise ValueError(
            f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}"
        )
    if padding_mode == "reflect" and min(x.shape[2:]) <= hi:
        raise ValueError(
            f"reflect padding needs every spatial size > {hi} for kernel_size {k}, "
            f"got {tuple(x.shape[2:])}"
        )
    pad = [lo, hi] * dims  # F.pad lists the last axis first; symmetric per axis
    if padding_mode == "zeros":
        x = F.pad(x, pad)
    else:
        x = F.pad(x, pad, mode=padding_mode)
    weight = kernel.to(x).expand(C, 1, *kernel.shape)  # (C, 1, k[, k[, k]])
    return getattr(F, f"conv{dims}d")(x, weight, stride=stride, groups=C)


def blur(
    x: Tensor,
    kernel_size: int = 3,
    padding_mode: str = "reflect",
) -> Tensor:
    """Low-pass filter each channel with a normalised binomial kernel (same size out).

    Args:
        x: input of shape ``(N, C, *spatial)``.
        kernel_size: binomial taps per axis. Defaults to 3.
        padding_mode: "reflect", "replicate", "circular" or "zeros". Defaults to
            "reflect".

    Returns:
        Tensor of the shape of ``x``.

    Raises:
        ValueError: on a bad shape, kernel size or padding mode.

    Example:
        >>> blur(torch.ones(1, 2, 5, 5)).allclose(torch.ones(1, 2, 5, 5))
        True
    """
    kernel = binomial_kernel(kernel_size, _spatial_dims(x), dtype=torch.float64)
    return depthwise_filter(x, kernel, 1, padding_mode)
