"""The physical grid both layers of a phantom live on, and its Gaussian blur.

Coordinates are in millimetres and centred on the volume, one tensor per axis
in ``(z, y, x)`` / ``(y, x)`` order; the same grid serves the anatomy
(:mod:`medlearn.data.anatomy`) and the scanner (:mod:`medlearn.data.acquisition`).
See chapter 01 (tasks).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["physical_grid", "normalised_grid", "gaussian_blur"]


def physical_grid(
    size: tuple[int, ...], spacing: tuple[float, ...]
) -> list[torch.Tensor]:
    """Physical coordinates in mm, centred on the volume: one tensor per axis.

    Args:
        size: voxels per axis, ``(D, H, W)`` or ``(H, W)``.
        spacing: voxel size in mm per axis, in the same order.

    Returns:
        ``len(size)`` float32 tensors of shape ``size``; the voxel at index
        ``i`` along an axis sits at ``(i - (n - 1) / 2) * spacing`` mm.

    Example:
        >>> [c[:, 0].tolist() for c in physical_grid((3, 2), (2.0, 1.0))][0]
        [-2.0, 0.0, 2.0]
    """
    axes = [(torch.arange(n) - (n - 1) / 2) * s for n, s in zip(size, spacing)]
    return list(torch.meshgrid(*axes, indexing="ij"))


def normalised_grid(
    size: tuple[int, ...], spacing: tuple[float, ...]
) -> list[torch.Tensor]:
    """:func:`physical_grid` divided by the half field of view: [-1, 1] per axis.

    Shapes drawn on this grid scale with the field of view, whatever the
    voxel spacing.

    Example:
        >>> round(normalised_grid((4,), (2.0,))[0][-1].item(), 4)
        0.75
    """
    half_fov = [n * s / 2 for n, s in zip(size, spacing)]
    return [c / h for c, h in zip(physical_grid(size, spacing), half_fov)]


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of a ``(*spatial)`` tensor, sigma in voxels.

    The kernel has radius ``ceil(3 sigma)`` (at least 1) and sums to 1; the
    borders are replicated. ``sigma <= 0`` returns ``x`` unchanged.

    Args:
        x: a 2D ``(H, W)`` or 3D ``(D, H, W)`` float tensor.
        sigma: standard deviation in voxels, the same along every axis.

    Returns:
        A tensor of the shape of ``x``.

    Example:
        >>> gaussian_blur(torch.ones(5, 5), 1.0).allclose(torch.ones(5, 5))
        True
    """
    if sigma <= 0:
        return x
    radius = max(1, int(math.ceil(3 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    nd = x.dim()
    y = x[None, None]  # (1, 1, *spatial)
    conv = F.conv2d if nd == 2 else F.conv3d
    for axis in range(nd):
        shape = [1, 1] + [1] * nd
        shape[2 + axis] = k.numel()
        pad = [0] * (2 * nd)
        pad[2 * (nd - 1 - axis)] = radius
        pad[2 * (nd - 1 - axis) + 1] = radius
        y = conv(F.pad(y, pad, mode="replicate"), k.reshape(shape))
    return y[0, 0]
