"""Noise models and separable filtering with scipy.ndimage's "reflect" edges.

See chapter 10 (applications).
"""

from __future__ import annotations

from numbers import Real

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "add_gaussian_noise",
    "add_poisson_noise",
    "gaussian_filter",
]


def _check_float(x: Tensor, name: str, min_dims: int) -> None:
    if not isinstance(x, Tensor) or not x.is_floating_point():
        got = x.dtype if isinstance(x, Tensor) else type(x).__name__
        raise TypeError(f"{name} must be a real floating-point tensor, got {got}")
    if x.dim() < min_dims:
        raise ValueError(
            f"{name} must have at least {min_dims} dims, got shape {tuple(x.shape)}"
        )


def add_gaussian_noise(
    x: Tensor, sigma: float, generator: torch.Generator | None = None
) -> Tensor:
    """Add white Gaussian noise of standard deviation ``sigma``.

    Args:
        x: image of any shape (floating point).
        sigma: noise standard deviation, in the units of ``x``.
        generator: source of randomness, on the device of ``x``. Defaults to
            None (the global generator).

    Returns:
        Tensor of the shape of ``x``.

    Raises:
        TypeError: if ``x`` is not floating point.
        ValueError: if ``sigma < 0``.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> round(add_gaussian_noise(torch.zeros(10000), 0.1, g).std().item(), 2)
        0.1

    See chapter 10 (applications).
    """
    _check_float(x, "x", 0)
    if not sigma >= 0:
        raise ValueError(f"sigma must be >= 0, got {sigma!r}")
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return x + sigma * noise


def add_poisson_noise(
    x: Tensor, photons: float, generator: torch.Generator | None = None
) -> Tensor:
    """Photon-counting (low-dose-like) noise: ``Poisson(photons * x) / photons``.

    Fewer photons, more noise, and the noise grows with the signal (variance
    ``x / photons``). An image-domain stand-in for a low-dose acquisition.

    Args:
        x: non-negative image of any shape (floating point).
        photons: expected counts for an intensity of 1.
        generator: source of randomness, on the device of ``x``. Defaults to
            None (the global generator).

    Returns:
        Tensor of the shape of ``x``.

    Raises:
        TypeError: if ``x`` is not floating point.
        ValueError: if ``photons <= 0`` or ``x`` has negative values.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> y = add_poisson_noise(torch.full((10000,), 0.5), 100.0, g)
        >>> round(y.mean().item(), 2), round(y.var().item(), 3)
        (0.5, 0.005)

    See chapter 10 (applications).
    """
    _check_float(x, "x", 0)
    if not photons > 0:
        raise ValueError(f"photons must be > 0, got {photons!r}")
    if (x < 0).any():
        raise ValueError("x must be non-negative for Poisson noise")
    return torch.poisson(x * photons, generator=generator) / photons


def _symmetric_pad(x: Tensor, radius: int, axis: int) -> Tensor:
    """Pad one axis by reflection about the edge (scipy.ndimage's "reflect")."""
    n = x.shape[axis]
    idx = torch.arange(-radius, n + radius, device=x.device) % (2 * n)  # (n + 2r,)
    idx = torch.where(idx >= n, 2 * n - 1 - idx, idx)  # d c b a | a b c d | d c b a
    return x.index_select(axis, idx)


def _filter_axis(x: Tensor, kernel: Tensor, axis: int) -> Tensor:
    """Correlate one axis with an odd 1D kernel, padding as scipy's "reflect"."""
    radius = (kernel.numel() - 1) // 2
    x = _symmetric_pad(x, radius, axis).movedim(axis, -1)  # (..., L + 2r)
    shape = x.shape
    out = F.conv1d(x.reshape(-1, 1, shape[-1]), kernel.to(x).view(1, 1, -1))
    return out.reshape(*shape[:-1], out.shape[-1]).movedim(-1, axis)


def _gaussian_kernel(sigma: float, truncate: float) -> Tensor:
    radius = int(truncate * sigma + 0.5)  # as scipy.ndimage
    t = torch.arange(-radius, radius + 1, dtype=torch.float64)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    return k / k.sum()


def gaussian_filter(
    x: Tensor, sigma: float | tuple[float, ...], truncate: float = 4.0
) -> Tensor:
    """Gaussian smoothing of each channel: the classical denoising baseline.

    Equal to ``scipy.ndimage.gaussian_filter`` on each channel over the spatial
    axes (mode ``"reflect"``, kernel radius ``int(truncate * sigma + 0.5)``).

    Args:
        x: image ``(N, C, *spatial)`` with 1 to 3 spatial axes.
        sigma: standard deviation in voxels, one for all axes or one per spatial
            axis (0 leaves that axis alone); divide a width in mm by the spacing.
        truncate: kernel radius in standard deviations. Defaults to 4.0.

    Returns:
        Tensor of the shape of ``x``.

    Raises:
        TypeError: if ``x`` is not floating point.
        ValueError: on a bad shape or a negative ``sigma``.

    Example:
        >>> x = torch.zeros(1, 1, 9, 9); x[0, 0, 4, 4] = 1.0
        >>> y = gaussian_filter(x, 1.0)
        >>> round(y.sum().item(), 4), y.argmax().item() == 40
        (1.0, True)

    See chapter 10 (applications).
    """
    _check_float(x, "x", 3)
    dims = x.dim() - 2
    sigmas = (sigma,) * dims if isinstance(sigma, Real) else tuple(sigma)
    if x.dim() > 5 or len(sigmas) != dims or any(not s >= 0 for s in sigmas):
        raise ValueError(
            f"x must be (N, C, *spatial) with 1-3 spatial axes and sigma one value "
            f">= 0 or one per axis, got shape {tuple(x.shape)} and sigma {sigma!r}"
        )
    for axis, s in enumerate(sigmas, start=2):
        if s > 0:
            x = _filter_axis(x, _gaussian_kernel(s, truncate), axis)
    return x
