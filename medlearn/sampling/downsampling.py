"""Downsampling five ways: stride, max, average, blur-pool and max-blur-pool.

Halving the sampling rate halves the highest frequency an image can hold (the
Nyquist limit). Plain striding folds everything above the new limit back onto
lower frequencies (aliasing); a low-pass filter before subsampling removes it
first (BlurPool, Zhang 2019). Inputs are ``(N, C, *spatial)`` with 1 to 3
spatial axes. See chapter 03 (unet).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medlearn._helpers import check_positive_int
from medlearn.sampling.filters import (
    PADDING_MODES,
    _spatial_dims,
    binomial_kernel,
    depthwise_filter,
)

__all__ = [
    "METHODS",
    "subsample",
    "max_pool",
    "avg_pool",
    "blur_pool",
    "max_blur_pool",
    "downsample",
    "BlurPool",
]

METHODS = ("stride", "max", "avg", "blur", "maxblur")


def subsample(x: Tensor, factor: int = 2) -> Tensor:
    """Keep every ``factor``-th sample along each spatial axis (plain striding).

    Args:
        x: input of shape ``(N, C, *spatial)``.
        factor: stride per axis. Defaults to 2.

    Returns:
        Tensor of shape ``(N, C, *ceil(spatial / factor))``.

    Raises:
        ValueError: if ``x`` has no 1-3 spatial axes or ``factor < 1``.

    Example:
        >>> subsample(torch.arange(6.0).view(1, 1, 6)).tolist()
        [[[0.0, 2.0, 4.0]]]
    """
    dims = _spatial_dims(x)
    check_positive_int("factor", factor)
    return x[(..., *[slice(None, None, factor)] * dims)]


def max_pool(x: Tensor, factor: int = 2) -> Tensor:
    """Max pooling with a ``factor``-wide window and stride ``factor``.

    Args:
        x: input of shape ``(N, C, *spatial)``.
        factor: window size and stride. Defaults to 2.

    Returns:
        Tensor of shape ``(N, C, *floor(spatial / factor))``.

    Raises:
        ValueError: if ``x`` has no 1-3 spatial axes or ``factor < 1``.

    Example:
        >>> max_pool(torch.arange(4.0).view(1, 1, 4)).tolist()
        [[[1.0, 3.0]]]
    """
    dims = _spatial_dims(x)
    check_positive_int("factor", factor)
    return getattr(F, f"max_pool{dims}d")(x, factor)


def avg_pool(x: Tensor, factor: int = 2) -> Tensor:
    """Average pooling with a ``factor``-wide window and stride ``factor`` (box filter).

    Args:
        x: input of shape ``(N, C, *spatial)``.
        factor: window size and stride. Defaults to 2.

    Returns:
        Tensor of shape ``(N, C, *floor(spatial / factor))``.

    Raises:
        ValueError: if ``x`` has no 1-3 spatial axes or ``factor < 1``.

    Example:
        >>> avg_pool(torch.arange(4.0).view(1, 1, 4)).tolist()
        [[[0.5, 2.5]]]
    """
    dims = _spatial_dims(x)
    check_positive_int("factor", factor)
    return getattr(F, f"avg_pool{dims}d")(x, factor)


def blur_pool(
    x: Tensor,
    factor: int = 2,
    kernel_size: int = 3,
    padding_mode: str = "reflect",
) -> Tensor:
    """Anti-aliased downsampling: binomial low-pass, then every ``factor``-th sample.

    One strided depthwise convolution; equal to ``subsample(blur(x), factor)``.

    Args:
        x: input of shape ``(N, C, *spatial)``.
        factor: stride per axis. Defaults to 2.
        kernel_size: binomial taps per axis (3 is [1, 2, 1] / 4). Defaults to 3.
        padding_mode: "reflect", "replicate", "circular" or "zeros". Defaults to
            "reflect".

    Returns:
        Tensor of shape ``(N, C, *ceil(spatial / factor))``.

    Raises:
        ValueError: on a bad shape, factor, kernel size or padding mode.

    Example:
        >>> blur_pool(torch.rand(2, 3, 8, 8)).shape
        torch.Size([2, 3, 4, 4])
    """
    check_positive_int("factor", factor)
    kernel = binomial_kernel(kernel_size, _spatial_dims(x), dtype=torch.float64)
    return depthwise_filter(x, kernel, factor, padding_mode)


def max_blur_pool(x: Tensor, factor: int = 2, kernel_size: int = 3) -> Tensor:
    """Anti-aliased max pooling (Zhang 2019): 2-wide max at stride 1, then blur_pool.

    Args:
        x: input of shape ``(N, C, *spatial)``.
        factor: stride per axis. Defaults to 2.
        kernel_size: binomial taps per axis. Defaults to 3.

    Returns:
        Tensor of shape ``(N, C, *ceil((spatial - 1) / factor))``.

    Raises:
        ValueError: on a bad shape, factor or kernel size.

    Example:
        >>> max_blur_pool(torch.rand(1, 1, 9, 9)).shape
        torch.Size([1, 1, 4, 4])
    """
    dims = _spatial_dims(x)
    x = getattr(F, f"max_pool{dims}d")(x, 2, stride=1)
    return blur_pool(x, factor, kernel_size)


def downsample(x: Tensor, method: str = "blur", factor: int = 2) -> Tensor:
    """Downsample by ``factor`` with one of "stride", "max", "avg", "blur", "maxblur".

    Args:
        x: input of shape ``(N, C, *spatial)``.
        method: which downsampling. Defaults to "blur".
        factor: reduction per axis. Defaults to 2.

    Returns:
        Tensor of shape ``(N, C, *about spatial / factor)``.

    Raises:
        ValueError: on an unknown method (or what the chosen function raises).

    Example:
        >>> downsample(torch.rand(1, 1, 8, 8), "max").shape
        torch.Size([1, 1, 4, 4])
    """
    functions: dict[str, Callable[..., Tensor]] = {
        "stride": subsample,
        "max": max_pool,
        "avg": avg_pool,
        "blur": blur_pool,
        "maxblur": max_blur_pool,
    }
    if method not in functions:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return functions[method](x, factor)


class BlurPool(nn.Module):
    """Anti-aliased downsampling layer: a thin module around :func:`blur_pool`.

    The kernel is a non-persistent buffer: it follows ``.to(device)`` but adds
    no state-dict keys and no parameters.

    Args:
        spatial_dims: number of spatial axes, 1, 2 or 3. Defaults to 2.
        factor: stride per axis. Defaults to 2.
        kernel_size: binomial taps per axis. Defaults to 3.
        padding_mode: "reflect", "replicate", "circular" or "zeros". Defaults to
            "reflect".

    Example:
        >>> BlurPool(spatial_dims=3)(torch.rand(1, 4, 8, 8, 8)).shape
        torch.Size([1, 4, 4, 4, 4])
    """

    def __init__(
        self,
        spatial_dims: int = 2,
        factor: int = 2,
        kernel_size: int = 3,
        padding_mode: str = "reflect",
    ) -> None:
        super().__init__()
        check_positive_int("factor", factor)
        if padding_mode not in PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}"
            )
        self.spatial_dims = spatial_dims
        self.factor = factor
        self.padding_mode = padding_mode
        kernel = binomial_kernel(kernel_size, spatial_dims)
        self.register_buffer("kernel", kernel, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != self.spatial_dims + 2:
            raise ValueError(
                f"x must have {self.spatial_dims} spatial axes (ndim "
                f"{self.spatial_dims + 2}), got shape {tuple(x.shape)}"
            )
        return depthwise_filter(x, self.kernel, self.factor, self.padding_mode)

    def extra_repr(self) -> str:
        k = self.kernel.shape[0]
        dims, factor = self.spatial_dims, self.factor
        return f"spatial_dims={dims}, factor={factor}, kernel_size={k}"
