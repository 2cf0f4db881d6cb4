"""Thick-slice acquisition: the same anatomy seen through slices of several mm.

A clinical MRI or CT often has 0.8 mm in plane and 5 mm between slices. Each
thick slice does not sample the body at one plane: it integrates the whole
slab it covers (a box slice profile), so a structure thinner than the slab is
averaged with what surrounds it, the *partial-volume effect*.
:func:`thick_slices` simulates it from a fine, nearly isotropic volume by
averaging every ``factor`` consecutive slices; its labels are the slab's
majority label, while the fine labels stay available as ground truth at fine
spacing. :func:`tubes_and_spheres` draws a volume whose two kinds of bright
objects look alike in any one axial slice and differ only across slices.

See chapter 05 (volumes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from medlearn.data.grid import gaussian_blur, physical_grid

__all__ = ["thick_slices", "tubes_and_spheres"]


def _check_factor(factor: object, depth: int) -> int:
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
        raise ValueError(f"factor: expected an int >= 1, got {factor!r}")
    if depth % factor:
        raise ValueError(
            f"factor: {depth} slices do not split into slabs of {factor} slices"
        )
    return factor


def thick_slices(
    volume: torch.Tensor,
    spacing: Sequence[float],
    factor: int,
    *,
    labels: bool = False,
) -> tuple[torch.Tensor, tuple[float, float, float]]:
    """Average every ``factor`` consecutive slices: a thick-slice acquisition.

    Slice ``i`` of the result is the mean of fine slices ``i * factor`` to
    ``(i + 1) * factor - 1`` (a box slice profile, the partial-volume effect
    of a slab ``factor`` times thicker); the in-plane axes are untouched.
    With ``labels=True``, each voxel takes the label that fills most of its
    slab instead (ties go to the lower label), the ground truth a rater would
    draw on the thick slice. Equal to scikit-image's ``block_reduce`` with
    ``numpy.mean`` (and ``scipy.stats.mode`` for labels) over blocks of
    ``(factor, 1, 1)``.

    Args:
        volume: ``(C, D, H, W)`` or ``(N, C, D, H, W)``; floating point, or
            integer labels with ``labels=True``. ``D`` must be a multiple of
            ``factor``.
        spacing: fine spacing in mm, ``(z, y, x)``.
        factor: fine slices per thick slice, >= 1.
        labels: majority label per slab instead of the mean. Defaults to False.

    Returns:
        ``(thick, thick_spacing)``: ``(..., D // factor, H, W)`` in the input's
        dtype, and the spacing with ``z`` multiplied by ``factor``.

    Raises:
        TypeError: if ``volume`` is not a tensor, or is integer without
            ``labels=True``.
        ValueError: for a wrong rank, a spacing that is not 3 positive numbers,
            or a ``factor`` that is not a positive divisor of ``D``.

    Example:
        >>> fine = torch.arange(8.0).view(1, 8, 1, 1)  # 8 slices of 1.25 mm
        >>> thick, s = thick_slices(fine, (1.25, 0.8, 0.8), 4)
        >>> thick.flatten().tolist(), s
        ([1.5, 5.5], (5.0, 0.8, 0.8))
    """
    if not isinstance(volume, torch.Tensor):
        raise TypeError(f"volume: expected a tensor, got {type(volume).__name__}")
    if volume.ndim not in (4, 5):
        raise ValueError(
            f"volume: expected (C, D, H, W) or (N, C, D, H, W), got {tuple(volume.shape)}"
        )
    if len(spacing) != 3 or any(not float(s) > 0 for s in spacing):
        raise ValueError(f"spacing: expected 3 positive mm (z, y, x), got {spacing}")
    if not labels and not volume.is_floating_point():
        raise TypeError(
            f"volume: expected floating point (or labels=True), got {volume.dtype}"
        )
    f = _check_factor(factor, volume.shape[-3])
    *lead, D, H, W = volume.shape
    slabs = volume.reshape(*lead, D // f, f, H, W)  # (..., D / f, f, H, W)
    if labels:
        one_hot = torch.nn.functional.one_hot(slabs.long() - slabs.min().long())
        counts = one_hot.sum(dim=-4)  # (..., D / f, H, W, L): votes per label
        out = (counts.argmax(dim=-1) + slabs.min().long()).to(volume.dtype)
    else:
        out = slabs.mean(dim=-3)
    new_spacing = (float(spacing[0]) * f, float(spacing[1]), float(spacing[2]))
    return out, new_spacing


def _direction(g: torch.Generator, tilt: float) -> torch.Tensor:
    """A unit ``(z, y, x)`` direction at most ``tilt`` radians from the z axis."""
    polar = tilt * torch.rand((), generator=g).item()
    azimuth = 2 * math.pi * torch.rand((), generator=g).item()
    return torch.tensor(
        [
            math.cos(polar),
            math.sin(polar) * math.sin(azimuth),
            math.sin(polar) * math.cos(azimuth),
        ]
    )


def tubes_and_spheres(
    size: tuple[int, int, int] = (48, 40, 40),
    spacing: tuple[float, float, float] = (1.25, 0.8, 0.8),
    *,
    seed: int = 0,
    n_tubes: int = 2,
    n_spheres: int = 3,
    radius: tuple[float, float] = (2.0, 4.0),
    tilt: float = 0.3,
    noise: float = 0.1,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Tubes and spheres of the same radii: alike in a slice, unlike across slices.

    Tubes (vessel-like cylinders crossing the whole volume, at most ``tilt``
    radians from the z axis) and spheres (nodule-like) have radii drawn from
    the same range, and every object its own brightness in [0.6, 1.0], so an
    axial slice through either shows a bright disc; only the neighbouring
    slices tell them apart. Background: smooth texture around 0.3, then
    Gaussian noise. Spheres may overlap tubes; a voxel in both is a tube.

    Args:
        size: ``(D, H, W)`` in voxels. Defaults to (48, 40, 40).
        spacing: voxel size in mm, ``(z, y, x)``. Defaults to (1.25, 0.8, 0.8),
            which :func:`thick_slices` with factor 4 turns into 5 x 0.8 x 0.8.
        seed: everything random derives from it. Defaults to 0.
        n_tubes: number of tubes. Defaults to 2.
        n_spheres: number of spheres. Defaults to 3.
        radius: range of radii in mm. Defaults to (2.0, 4.0).
        tilt: largest angle of a tube from the z axis, radians. Defaults to 0.3.
        noise: standard deviation of the additive noise. Defaults to 0.1.

    Returns:
        ``(image, mask)``: ``(1, D, H, W)`` float32 and ``(D, H, W)`` int64
        labels, 0 background, 1 tube, 2 sphere.

    Raises:
        ValueError: for a size or spacing that is not 3 positive values, or
            negative counts, or an empty radius range.

    Example:
        >>> image, mask = tubes_and_spheres((16, 24, 24), seed=0)
        >>> image.shape, sorted(mask.unique().tolist())
        (torch.Size([1, 16, 24, 24]), [0, 1, 2])
    """
    if len(size) != 3 or min(size) < 1 or len(spacing) != 3 or min(spacing) <= 0:
        raise ValueError(
            f"size, spacing: expected 3 positive values each, got {size}, {spacing}"
        )
    if n_tubes < 0 or n_spheres < 0 or not 0 < radius[0] <= radius[1]:
        raise ValueError(
            f"n_tubes, n_spheres >= 0 and 0 < radius[0] <= radius[1], got "
            f"{n_tubes}, {n_spheres}, {radius}"
        )
    g = torch.Generator().manual_seed(int(seed))
    coords = torch.stack(physical_grid(tuple(size), tuple(spacing)), -1)  # (D,H,W,3)
    half = torch.tensor([n * s / 2 for n, s in zip(size, spacing)])
    image = 0.3 + 0.05 * gaussian_blur(torch.randn(tuple(size), generator=g), 3.0)
    mask = torch.zeros(tuple(size), dtype=torch.int64)
    for kind in [2] * n_spheres + [1] * n_tubes:  # tubes last: they win overlaps
        r = radius[0] + (radius[1] - radius[0]) * torch.rand((), generator=g).item()
        centre = (torch.rand(3, generator=g) * 1.2 - 0.6) * (half - r).clamp(min=0)
        offset = coords - centre  # (D, H, W, 3) mm from the object's centre
        if kind == 1:
            axis = _direction(g, tilt)
            offset = offset - (offset @ axis)[..., None] * axis  # off the tube's axis
        inside = offset.norm(dim=-1) <= r
        brightness = 0.6 + 0.4 * torch.rand((), generator=g).item()
        image = torch.where(inside, torch.full_like(image, brightness), image)
        mask[inside] = kind
    image = image + noise * torch.randn(tuple(size), generator=g)
    return image.float()[None], mask
