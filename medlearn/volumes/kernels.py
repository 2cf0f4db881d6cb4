"""Kernels and pooling for a spacing: nnU-Net's rule for anisotropic voxels.

On 0.8 x 0.8 x 5 mm voxels an isotropic 3 x 3 x 3 kernel sees a 2.4 x 2.4 x 15
mm box (chapter 02). nnU-Net (Isensee et al. 2021) plans its U-Net so that
kernels and pooling follow the physical spacing instead: at each resolution
stage an axis is pooled only while its spacing is under twice the finest one,
and its kernel is 1 wide until then, so in-plane pooling first brings the
coarse axis within a factor of two and only then do the kernels and the pooling
become 3D. This module restates that rule from its description and from
``get_pool_and_conv_props`` in nnU-Net v2
(``nnunetv2/experiment_planning/experiment_planners/network_topology.py``).
See chapter 05 (volumes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

from medlearn.volumes.resample import _spacing

__all__ = ["anisotropy", "ConvPlan", "plan_kernels"]


def anisotropy(spacing: Sequence[float]) -> float:
    """Ratio of the coarsest to the finest spacing; 1.0 for isotropic voxels.

    Args:
        spacing: voxel size in mm, ``(z, y, x)`` or ``(y, x)``.

    Returns:
        ``max(spacing) / min(spacing)``.

    Raises:
        ValueError: for a spacing of the wrong length or not positive.

    Example:
        >>> anisotropy((5.0, 0.8, 0.8))
        6.25
    """
    spacing = _spacing(spacing, "spacing")
    return max(spacing) / min(spacing)


@dataclass(frozen=True)
class ConvPlan:
    """Kernel sizes and pooling per resolution stage of a U-Net encoder.

    Attributes:
        kernel_sizes: convolution kernel per stage, the last one the
            bottleneck (always 3 along every axis, as in nnU-Net).
        pool_sizes: pooling that leads into each stage; the first is all
            ones (the input stage), then 2 where an axis is pooled, else 1
            (nnU-Net's ``pool_op_kernel_sizes``).
        spacings: voxel spacing in mm at each stage.
        sizes: feature-map size at each stage, for the given patch size.

    Example:
        >>> plan = plan_kernels((5.0, 0.8, 0.8), (16, 64, 64))
        >>> plan.kernel_sizes[:3], plan.pools_per_axis
        (((1, 3, 3), (1, 3, 3), (3, 3, 3)), (2, 4, 4))
    """

    kernel_sizes: tuple[tuple[int, ...], ...]
    pool_sizes: tuple[tuple[int, ...], ...]
    spacings: tuple[tuple[float, ...], ...]
    sizes: tuple[tuple[int, ...], ...]

    @property
    def pools_per_axis(self) -> tuple[int, ...]:
        """How many times each axis is halved (nnU-Net's ``num_pool_per_axis``)."""
        return tuple(
            sum(p[a] == 2 for p in self.pool_sizes) for a in range(len(self.sizes[0]))
        )


def _poolable(
    spacing: Sequence[float],
    size: Sequence[int],
    pools: Sequence[int],
    min_size: int,
    max_pools: int,
) -> list[int]:
    """Axes to pool at this stage, or none: nnU-Net's three conditions."""
    axes = [a for a, n in enumerate(size) if n >= 2 * min_size]  # room to halve
    if not axes:
        return []
    finest = min(spacing[a] for a in axes)
    axes = [a for a in axes if spacing[a] / finest < 2 and pools[a] < max_pools]
    if len(axes) == 1 and size[axes[0]] < 3 * min_size:
        return []  # pooling one axis alone needs more room
    return axes


def plan_kernels(
    spacing: Sequence[float],
    patch_size: Sequence[int],
    *,
    min_size: int = 4,
    max_pools: int | None = None,
) -> ConvPlan:
    """Choose per-axis kernel sizes and pooling for a spacing, after nnU-Net.

    Stage by stage, starting from ``spacing`` and ``patch_size``:

    1. an axis can be pooled if its feature map has at least ``2 * min_size``
       voxels and it has been pooled fewer than ``max_pools`` times; among
       those, only axes whose spacing is under twice the finest one are
       pooled (an axis exactly twice as coarse waits); one axis alone is
       pooled only with at least ``3 * min_size`` voxels; no axis: stop;
    2. the stage's kernel is 3 along every axis whose spacing is under twice
       the finest current spacing and 1 along the others (more than twice as
       coarse, or exactly twice); once 3, an axis stays 3;
    3. pooled axes halve their size (rounding up) and double their spacing.

    A last stage, the bottleneck, gets a kernel of 3 along every axis.
    nnU-Net's code reads step 2's spacings from a list that leaves out the
    axes too small to pool, so its plan can differ from this rule (or fail)
    when an axis stops pooling for size while another still has a kernel of 1.

    Args:
        spacing: voxel size in mm, ``(z, y, x)`` or ``(y, x)``.
        patch_size: training crop in voxels, same axis order.
        min_size: smallest feature-map edge in the bottleneck. Defaults to 4
            (nnU-Net's ``UNet_featuremap_min_edge_length``).
        max_pools: most poolings per axis. Defaults to None (no limit, as
            nnU-Net v2's default of 999).

    Returns:
        A :class:`ConvPlan` with one kernel size per stage, the pooling into
        each stage, and each stage's spacing and feature-map size.

    Raises:
        ValueError: for a bad spacing, or a patch size that is not one
            positive int per axis, or ``min_size``/``max_pools`` below 1.

    Example:
        >>> plan = plan_kernels((2.0, 2.0, 2.0), (32, 32, 32))
        >>> plan.kernel_sizes[0], plan.pools_per_axis
        ((3, 3, 3), (3, 3, 3))
    """
    spacing = list(_spacing(spacing, "spacing"))
    size = [int(n) for n in patch_size if isinstance(n, Integral)]
    if len(size) != len(spacing) or len(size) != len(patch_size) or min(size) < 1:
        raise ValueError(
            f"patch_size: expected {len(spacing)} positive ints, got {patch_size!r}"
        )
    if min_size < 1 or (max_pools is not None and max_pools < 1):
        raise ValueError(
            f"min_size and max_pools must be >= 1, got {min_size}, {max_pools}"
        )
    max_pools = math.inf if max_pools is None else max_pools
    dims = len(spacing)
    kernel, pools = [1] * dims, [0] * dims
    kernels, pool_sizes = [], [(1,) * dims]
    spacings, sizes = [tuple(spacing)], [tuple(size)]
    while axes := _poolable(spacing, size, pools, min_size, max_pools):
        finest = min(spacing)
        kernel = [3 if k == 3 or s / finest < 2 else 1 for k, s in zip(kernel, spacing)]
        kernels.append(tuple(kernel))
        for a in axes:
            pools[a] += 1
            spacing[a] *= 2
            size[a] = math.ceil(size[a] / 2)
        pool_sizes.append(tuple(2 if a in axes else 1 for a in range(dims)))
        spacings.append(tuple(spacing))
        sizes.append(tuple(size))
    kernels.append((3,) * dims)  # the bottleneck
    return ConvPlan(tuple(kernels), tuple(pool_sizes), tuple(spacings), tuple(sizes))
