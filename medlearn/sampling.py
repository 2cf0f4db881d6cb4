"""Downsampling, aliasing and anti-aliased pooling.

Halving the sampling rate halves the highest frequency an image can hold (the
Nyquist limit). Plain striding folds everything above the new limit back onto
lower frequencies (aliasing); a low-pass filter before subsampling removes it
first (BlurPool, Zhang 2019). This module keeps both paths, a centred log
spectrum to see what each keeps, a zone-plate test image, and a measure of how
much a prediction changes when its input moves by one pixel.

Inputs are channel-first with 1, 2 or 3 spatial axes: ``(B, C, L)``,
``(B, C, H, W)`` or ``(B, C, D, H, W)``. See chapter 03 (unet).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "binomial_kernel",
    "subsample",
    "max_pool",
    "avg_pool",
    "blur",
    "blur_pool",
    "max_blur_pool",
    "downsample",
    "BlurPool",
    "spectrum",
    "zone_plate",
    "shift_consistency",
]

_PADDING_MODES = ("reflect", "replicate", "circular", "zeros")
_METHODS = ("stride", "max", "avg", "blur", "maxblur")


def _spatial_dims(x: Tensor, name: str = "x") -> int:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"{name} must have shape (B, C, L), (B, C, H, W) or (B, C, D, H, W), "
            f"got {tuple(x.shape)}"
        )
    return x.ndim - 2


def _check_factor(factor: int) -> None:
    if not isinstance(factor, int) or factor < 1:
        raise ValueError(f"factor must be a positive int, got {factor!r}")


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
    if not isinstance(kernel_size, int) or kernel_size < 1:
        raise ValueError(f"kernel_size must be a positive int, got {kernel_size!r}")
    if spatial_dims not in (1, 2, 3):
        raise ValueError(f"spatial_dims must be 1, 2 or 3, got {spatial_dims!r}")
    n = kernel_size - 1
    taps = torch.tensor(
        [math.comb(n, k) for k in range(kernel_size)], dtype=torch.float64
    )
    kernel = taps
    for _ in range(spatial_dims - 1):
        kernel = kernel[..., None] * taps  # outer product, one more axis
    kernel = kernel / kernel.sum()
    return kernel.to(dtype=dtype, device=device)


def subsample(x: Tensor, factor: int = 2) -> Tensor:
    """Keep every ``factor``-th sample along each spatial axis (plain striding).

    Args:
        x: input of shape ``(B, C, *spatial)``.
        factor: stride per axis. Defaults to 2.

    Returns:
        Tensor of shape ``(B, C, *ceil(spatial / factor))``.

    Raises:
        ValueError: if ``x`` has no 1-3 spatial axes or ``factor < 1``.

    Example:
        >>> subsample(torch.arange(6.0).view(1, 1, 6)).tolist()
        [[[0.0, 2.0, 4.0]]]
    """
    dims = _spatial_dims(x)
    _check_factor(factor)
    return x[(..., *[slice(None, None, factor)] * dims)]


def max_pool(x: Tensor, factor: int = 2) -> Tensor:
    """Max pooling with a ``factor``-wide window and stride ``factor``.

    Args:
        x: input of shape ``(B, C, *spatial)``.
        factor: window size and stride. Defaults to 2.

    Returns:
        Tensor of shape ``(B, C, *floor(spatial / factor))``.

    Raises:
        ValueError: if ``x`` has no 1-3 spatial axes or ``factor < 1``.

    Example:
        >>> max_pool(torch.arange(4.0).view(1, 1, 4)).tolist()
        [[[1.0, 3.0]]]
    """
    dims = _spatial_dims(x)
    _check_factor(factor)
    return getattr(F, f"max_pool{dims}d")(x, factor)


def avg_pool(x: Tensor, factor: int = 2) -> Tensor:
    """Average pooling with a ``factor``-wide window and stride ``factor`` (box filter).

    Args:
        x: input of shape ``(B, C, *spatial)``.
        factor: window size and stride. Defaults to 2.

    Returns:
        Tensor of shape ``(B, C, *floor(spatial / factor))``.

    Raises:
        ValueError: if ``x`` has no 1-3 spatial axes or ``factor < 1``.

    Example:
        >>> avg_pool(torch.arange(4.0).view(1, 1, 4)).tolist()
        [[[0.5, 2.5]]]
    """
    dims = _spatial_dims(x)
    _check_factor(factor)
    return getattr(F, f"avg_pool{dims}d")(x, factor)


def _blur(
    x: Tensor, kernel: Tensor, stride: int, padding_mode: str, name: str = "x"
) -> Tensor:
    """Depthwise convolution of each channel with ``kernel``; size ceil(n / stride)."""
    dims = _spatial_dims(x, name)
    B, C = x.shape[:2]
    k = kernel.shape[0]
    lo, hi = (k - 1) // 2, k // 2  # asymmetric for even kernels, as in Zhang 2019
    if padding_mode not in _PADDING_MODES:
        raise ValueError(
            f"padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}"
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
        x: input of shape ``(B, C, *spatial)``.
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
    return _blur(x, kernel, 1, padding_mode)


def blur_pool(
    x: Tensor,
    factor: int = 2,
    kernel_size: int = 3,
    padding_mode: str = "reflect",
) -> Tensor:
    """Anti-aliased downsampling: binomial low-pass, then every ``factor``-th sample.

    One strided depthwise convolution; equal to ``subsample(blur(x), factor)``.

    Args:
        x: input of shape ``(B, C, *spatial)``.
        factor: stride per axis. Defaults to 2.
        kernel_size: binomial taps per axis (3 is [1, 2, 1] / 4). Defaults to 3.
        padding_mode: "reflect", "replicate", "circular" or "zeros". Defaults to
            "reflect".

    Returns:
        Tensor of shape ``(B, C, *ceil(spatial / factor))``.

    Raises:
        ValueError: on a bad shape, factor, kernel size or padding mode.

    Example:
        >>> blur_pool(torch.rand(2, 3, 8, 8)).shape
        torch.Size([2, 3, 4, 4])
    """
    _check_factor(factor)
    kernel = binomial_kernel(kernel_size, _spatial_dims(x), dtype=torch.float64)
    return _blur(x, kernel, factor, padding_mode)


def max_blur_pool(x: Tensor, factor: int = 2, kernel_size: int = 3) -> Tensor:
    """Anti-aliased max pooling (Zhang 2019): 2-wide max at stride 1, then blur_pool.

    Args:
        x: input of shape ``(B, C, *spatial)``.
        factor: stride per axis. Defaults to 2.
        kernel_size: binomial taps per axis. Defaults to 3.

    Returns:
        Tensor of shape ``(B, C, *ceil((spatial - 1) / factor))``.

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
        x: input of shape ``(B, C, *spatial)``.
        method: which downsampling. Defaults to "blur".
        factor: reduction per axis. Defaults to 2.

    Returns:
        Tensor of shape ``(B, C, *about spatial / factor)``.

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
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
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
        _check_factor(factor)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}"
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
        return _blur(x, self.kernel, self.factor, self.padding_mode)

    def extra_repr(self) -> str:
        k = self.kernel.shape[0]
        dims, factor = self.spatial_dims, self.factor
        return f"spatial_dims={dims}, factor={factor}, kernel_size={k}"


def spectrum(x: Tensor, spatial_dims: int = 2, log: bool = True) -> Tensor:
    """Centred magnitude spectrum over the last ``spatial_dims`` axes of ``x``.

    The zero frequency sits at index ``n // 2`` on each axis (``fftshift``);
    ``log=True`` returns ``log(1 + |F|)`` so that weak high frequencies show.

    Args:
        x: real tensor whose last ``spatial_dims`` axes are spatial, e.g.
            ``(H, W)`` or ``(B, C, H, W)``; leading axes are batch.
        spatial_dims: number of trailing axes to transform, 1, 2 or 3.
            Defaults to 2.
        log: return ``log1p`` of the magnitude. Defaults to True.

    Returns:
        Tensor of the shape of ``x``.

    Raises:
        TypeError: if ``x`` is not a real floating tensor.
        ValueError: if ``spatial_dims`` is not 1, 2 or 3 or exceeds ``x.ndim``.

    Example:
        >>> spectrum(torch.ones(4, 4), log=False)[2, 2].item()
        16.0
    """
    if not isinstance(x, Tensor) or not x.is_floating_point():
        raise TypeError(f"x must be a real floating tensor, got {type(x).__name__}")
    if spatial_dims not in (1, 2, 3) or spatial_dims > x.ndim:
        raise ValueError(
            f"spatial_dims must be 1, 2 or 3 and <= x.ndim ({x.ndim}), "
            f"got {spatial_dims!r}"
        )
    dims = tuple(range(-spatial_dims, 0))
    magnitude = torch.fft.fftshift(torch.fft.fftn(x, dim=dims), dim=dims).abs()
    return torch.log1p(magnitude) if log else magnitude


def zone_plate(size: int = 128, max_frequency: float = 0.5) -> Tensor:
    """A 2D radial chirp: local frequency grows linearly from 0 at the centre.

    ``cos(pi * a * r**2)`` has local frequency ``a * r`` cycles per pixel; ``a``
    is chosen so that it reaches ``max_frequency`` at the middle of each edge
    (r = size / 2). Downsampled by 2, everything beyond r = size / 4 (for
    ``max_frequency=0.5``) exceeds the new Nyquist limit and should vanish;
    aliasing instead paints false rings there.

    Args:
        size: height and width in pixels (>= 2). Defaults to 128.
        max_frequency: frequency at the edge midpoints, in cycles/pixel.
            Defaults to 0.5 (the Nyquist limit).

    Returns:
        Tensor of shape ``(size, size)`` with values in [-1, 1].

    Raises:
        ValueError: if ``size < 2`` or ``max_frequency <= 0``.

    Example:
        >>> zone_plate(64).shape
        torch.Size([64, 64])
    """
    if not isinstance(size, int) or size < 2:
        raise ValueError(f"size must be an int >= 2, got {size!r}")
    if max_frequency <= 0:
        raise ValueError(f"max_frequency must be > 0, got {max_frequency!r}")
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    r2 = coords[:, None] ** 2 + coords[None, :] ** 2  # (H, W)
    a = max_frequency / (size / 2)
    return torch.cos(math.pi * a * r2).float()


def shift_consistency(
    fn: Callable[[Tensor], Tensor],
    x: Tensor,
    shift: int = 1,
    dim: int = -1,
    border: int = 0,
) -> float:
    """Fraction of labels that survive a ``shift``-pixel circular shift of the input.

    For a dense (per-pixel) prediction, ``argmax(fn(roll(x)))`` is rolled back
    and compared with ``argmax(fn(x))`` on every pixel; a shift-equivariant
    model scores 1.0. For an image-level prediction (``fn`` returns ``(B, K)``)
    the labels themselves are compared (shift invariance).

    Args:
        fn: model or function mapping ``(B, C, *spatial)`` to logits
            ``(B, K, *spatial)`` or ``(B, K)``.
        x: input of shape ``(B, C, *spatial)``.
        shift: pixels to shift by (wraps around). Defaults to 1.
        dim: spatial axis to shift along, counted on ``x``. Defaults to -1.
        border: pixels ignored at both ends of ``dim`` (where the wrap and the
            padding differ). Defaults to 0.

    Returns:
        Agreement in [0, 1], as a Python float.

    Raises:
        ValueError: if ``dim`` is not spatial, ``border`` is negative, or the
            output is neither ``(B, K)`` nor the input's spatial shape.

    Example:
        >>> shift_consistency(lambda t: t, torch.rand(1, 3, 8, 8))
        1.0
    """
    dims = _spatial_dims(x)
    axis = dim % x.ndim
    if axis < 2:
        raise ValueError(f"dim must be a spatial axis of x (2..{dims + 1}), got {dim}")
    if border < 0:
        raise ValueError(f"border must be >= 0, got {border}")
    with torch.no_grad():
        labels = fn(x).argmax(dim=1)  # (B, *spatial) or (B,)
        shifted = fn(torch.roll(x, shift, dims=axis)).argmax(dim=1)
    if labels.ndim == 1:
        return (labels == shifted).float().mean().item()
    if labels.shape != x.shape[:1] + x.shape[2:]:
        raise ValueError(
            f"fn(x) must be (B, K) or (B, K, *{tuple(x.shape[2:])}), "
            f"got labels of shape {tuple(labels.shape)}"
        )
    back = torch.roll(shifted, -shift, dims=axis - 1)  # (B, *spatial), realigned
    n = labels.shape[axis - 1]
    keep = labels.narrow(axis - 1, border, n - 2 * border)
    back = back.narrow(axis - 1, border, n - 2 * border)
    return (keep == back).float().mean().item()
