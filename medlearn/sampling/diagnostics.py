"""Seeing aliasing: centred spectra, a zone-plate chirp, and shift consistency.

A centred log spectrum shows which frequencies a downsampling keeps; the
zone plate sweeps every frequency up to Nyquist so that aliasing paints false
rings; :func:`shift_consistency` measures how much a prediction changes when
its input moves by one pixel. See chapter 03 (unet).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from medlearn.sampling.filters import _spatial_dims

__all__ = ["spectrum", "zone_plate", "shift_consistency"]


def spectrum(x: Tensor, spatial_dims: int = 2, *, log: bool = True) -> Tensor:
    """Centred magnitude spectrum over the last ``spatial_dims`` axes of ``x``.

    The zero frequency sits at index ``n // 2`` on each axis (``fftshift``);
    ``log=True`` returns ``log(1 + |F|)`` so that weak high frequencies show.

    Args:
        x: real tensor whose last ``spatial_dims`` axes are spatial, e.g.
            ``(H, W)`` or ``(N, C, H, W)``; leading axes are batch.
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
    model scores 1.0. For an image-level prediction (``fn`` returns ``(N, K)``)
    the labels themselves are compared (shift invariance).

    Args:
        fn: model or function mapping ``(N, C, *spatial)`` to logits
            ``(N, K, *spatial)`` or ``(N, K)``.
        x: input of shape ``(N, C, *spatial)``.
        shift: pixels to shift by (wraps around). Defaults to 1.
        dim: spatial axis to shift along, counted on ``x``. Defaults to -1.
        border: pixels ignored at both ends of ``dim`` (where the wrap and the
            padding differ). Defaults to 0.

    Returns:
        Agreement in [0, 1], as a Python float.

    Raises:
        ValueError: if ``dim`` is not spatial, ``border`` is negative, or the
            output is neither ``(N, K)`` nor the input's spatial shape.

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
        labels = fn(x).argmax(dim=1)  # (N, *spatial) or (N,)
        shifted = fn(torch.roll(x, shift, dims=axis)).argmax(dim=1)
    if labels.ndim == 1:
        return (labels == shifted).float().mean().item()
    if labels.shape != x.shape[:1] + x.shape[2:]:
        raise ValueError(
            f"fn(x) must be (N, K) or (N, K, *{tuple(x.shape[2:])}), "
            f"got labels of shape {tuple(labels.shape)}"
        )
    back = torch.roll(shifted, -shift, dims=axis - 1)  # (N, *spatial), realigned
    n = labels.shape[axis - 1]
    keep = labels.narrow(axis - 1, border, n - 2 * border)
    back = back.narrow(axis - 1, border, n - 2 * border)
    return (keep == back).float().mean().item()
