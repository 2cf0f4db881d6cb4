"""The elastic displacement: a cubic B-spline of a coarse grid of control points.

Each control point carries a displacement vector (mm); the displacement at a
voxel is the weighted sum of the 4 nearest control points per axis, the
weights the uniform cubic B-spline ``B(u - k)``: smooth (twice continuously
differentiable) and, on a tensor-product grid, separable, so the dense field
is three small matrix products. The grid is exactly ITK's
``BSplineTransformInitializer`` grid that TorchIO's ``ElasticDeformation``
uses: it spans the image from voxel corner to voxel corner, widened by 1/8
voxel on each side, with one extra control point outside each end (``n``
points make ``n - 3`` spline spans). The field equals ITK's
``BSplineTransform`` displacement to float precision. Control points are
indexed and their components ordered along the tensor axes ``(z, y, x)``
(ITK indexes them along its physical LPS axes; the tests convert).

See chapter 06 (augmentation).
"""

from __future__ import annotations

import torch
from torch import Tensor

from medlearn.augment._common import check_spatial_shape

__all__ = [
    "ITK_EPSILON",
    "bspline_kernel",
    "bspline_weights",
    "control_point_positions",
    "separable",
    "elastic_field",
]

ITK_EPSILON = 0.125  # ITK widens the B-spline domain by 1/8 voxel on each side


def bspline_kernel(t: Tensor, *, derivative: bool = False) -> Tensor:
    """The uniform cubic B-spline ``B(t)`` (support ``|t| < 2``), or ``B'(t)``.

    Args:
        t: positions, in control-grid units.
        derivative: return ``dB/dt`` instead. Defaults to False.

    Returns:
        Tensor of ``t``'s shape.

    Example:
        >>> bspline_kernel(torch.tensor([0.0, 1.0, 2.0])) * 6
        tensor([4., 1., 0.])
    """
    a = t.abs()
    if not derivative:
        inner = (4 - 6 * a**2 + 3 * a**3) / 6
        outer = (2 - a).clamp(min=0) ** 3 / 6
    else:
        inner = -2 * t + 1.5 * t * a
        outer = -torch.sign(t) * (2 - a).clamp(min=0) ** 2 / 2
    return torch.where(a < 1, inner, outer)


def bspline_weights(
    n: int,
    num_control_points: int,
    positions: Tensor | None = None,
    *,
    derivative: bool = False,
) -> Tensor:
    """Weights of the control points at the voxels of one axis (ITK's grid).

    Args:
        n: voxels along the axis.
        num_control_points: control points along the axis (>= 4).
        positions: voxel positions (fractional indices) to evaluate at.
            Defaults to None (every voxel centre, ``0 .. n - 1``).
        derivative: weights of the derivative, per voxel. Defaults to False.

    Returns:
        ``(len(positions), num_control_points)`` float64; each row sums to 1
        (the derivative's rows to 0).

    Example:
        >>> bspline_weights(5, 4).sum(1).round(decimals=12).tolist()
        [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    pos = torch.arange(n, dtype=torch.float64) if positions is None else positions
    per_voxel = (num_control_points - 3) / (n + 2 * ITK_EPSILON)  # grid units
    u = (pos + 0.5 + ITK_EPSILON) * per_voxel + 1  # first control point at u = 0
    w = bspline_kernel(
        u[:, None] - torch.arange(num_control_points, device=u.device),
        derivative=derivative,
    )
    return w * per_voxel if derivative else w


def control_point_positions(
    spatial_shape: tuple[int, ...],
    num_control_points: tuple[int, ...],
    spacing: tuple[float, ...],
) -> list[Tensor]:
    """Where the control points sit, in mm from the centre, one tensor per axis.

    Example:
        >>> control_point_positions((9,), (7,), (1.0,))[0].tolist()  # 9 voxels, 1 mm
        [-6.9375, -4.625, -2.3125, 0.0, 2.3125, 4.625, 6.9375]
    """
    out = []
    for n, m, s in zip(spatial_shape, num_control_points, spacing):
        h = (n + 2 * ITK_EPSILON) / (m - 3)  # control spacing, voxels
        first = -(n / 2 + ITK_EPSILON) - h  # one point outside the domain
        out.append((first + h * torch.arange(m, dtype=torch.float64)) * s)
    return out


def separable(control: Tensor, weights: list[Tensor]) -> Tensor:
    """The tensor-product spline, contracted one axis at a time.

    Args:
        control: ``(N, *grid, c)`` values at the control points.
        weights: one ``(P_a, grid_a)`` matrix per grid axis.

    Returns:
        ``(N, *P, c)``, contiguous: the last axis is contracted first (the
        smallest pieces), each step one batched matrix product from the left.
    """
    out, n = control, control.shape[0]
    for axis in reversed(range(len(weights))):
        w = weights[axis].to(out)
        lead, rest = out.shape[1 : axis + 1], out.shape[axis + 2 :]
        flat = out.reshape(n, *lead, out.shape[axis + 1], -1)  # (N, *lead, g_a, rest)
        out = torch.matmul(w, flat).reshape(n, *lead, w.shape[0], *rest)
    return out


def elastic_field(control_points: Tensor, spatial_shape: tuple[int, ...]) -> Tensor:
    """The dense displacement at every voxel, cubic B-spline of the control points.

    The field has the units of ``control_points`` (mm in this module), and
    equals ITK's ``BSplineTransform`` displacement on TorchIO's grid.

    Args:
        control_points: ``(*grid, dims)`` or ``(N, *grid, dims)`` displacements.
        spatial_shape: ``(H, W)`` or ``(D, H, W)``.

    Returns:
        ``(*spatial, dims)`` or ``(N, *spatial, dims)``, dtype of the input.

    Raises:
        ValueError: if the grid and the shape do not fit together.

    Example:
        >>> cp = torch.ones(5, 5, 2)  # everything moves by 1 mm on both axes
        >>> elastic_field(cp, (3, 4)).round(decimals=5).unique().tolist()
        [1.0]
    """
    shape = check_spatial_shape(spatial_shape)
    d = len(shape)
    if control_points.ndim not in (d + 1, d + 2) or control_points.shape[-1] != d:
        raise ValueError(
            f"control_points: expected (*grid, {d}) or (N, *grid, {d}) for "
            f"spatial_shape {shape}, got {tuple(control_points.shape)}"
        )
    cp = control_points if control_points.ndim == d + 2 else control_points[None]
    weights = [bspline_weights(n, m) for n, m in zip(shape, cp.shape[1:-1])]
    field = separable(cp, weights)
    return field if control_points.ndim == d + 2 else field[0]
