"""Geometry of an affine + elastic warp: matrices, B-spline fields, one sampling grid.

Coordinates are physical: voxel ``i`` of an axis with ``n`` voxels of spacing
``s`` mm sits at ``(i - (n - 1) / 2) * s`` mm, so the origin is the centre of
the volume, vectors are in ``(z, y, x)`` order and everything is in mm.

* **Affine** (push, i.e. where content moves): ``y = M x + t`` with
  ``M = S R H``: shear ``H`` first, rotation ``R`` about the centre, then
  scaling ``S`` along the image axes (TorchIO's order: it scales after it
  rotates). ``R`` is ITK's ``Euler3DTransform`` as TorchIO 1.2.1 uses it,
  ``R = Rz Rx Ry`` in right-handed ``(x, y, z)``: a positive angle about ``z``
  turns ``+x`` towards ``+y``. TorchIO translates *before* it scales (its
  translation ``t'`` becomes ``S t'``); here ``t`` is the shift in mm itself.
* **Elastic** (pull, i.e. where each output voxel samples): a displacement
  ``d(p)`` in mm, the cubic B-spline of :mod:`~medlearn.augment.bspline`.
* **One grid.** Output voxel ``p`` samples the input at
  ``phi(p) = M^-1 (p + d(p) - t)`` (the image moves affinely, then elastically:
  TorchIO's ``AffineElasticDeformation`` with ``affine_first=True``), computed
  as a single ``grid_sample`` grid, so the image is resampled once. A cubic
  B-spline reproduces linear functions exactly (its weights sum to 1 and their
  first moment is the position), so the affine part is added to the control
  points and the whole grid is one separable spline evaluation.
* **Inverse.** ``psi(q) = M q + t - d(M q + t)``: exact for the affine part,
  first-order for the elastic part (as TorchIO, which negates the control
  points), with ``d`` interpolated linearly from its values at the voxels.

See chapter 06 (augmentation).
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import Tensor

from medlearn.augment._common import Params, check_spatial_shape
from medlearn.augment.bspline import (
    bspline_weights,
    control_point_positions,
    elastic_field,
    separable,
)

__all__ = [
    "AffineElasticParams",
    "affine_matrix",
    "sampling_grid",
    "min_jacobian_determinant",
]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class AffineElasticParams(Params):
    """A sampled affine + elastic warp; every length is in mm, axes ``(z, y, x)``.

    Attributes:
        spatial_shape: ``(H, W)`` or ``(D, H, W)`` of the images it fits.
        spacing: voxel size in mm, same order and length.
        degrees: rotation angles ``(N?, 3)`` about z, y, x (2D: ``(N?, 1)``,
            in the image plane).
        scales: ``(N?, dims)`` scale factors, > 0.
        shear: ``(N?, 3)`` shear factors of the pairs (z, y), (z, x), (y, x)
            (2D: ``(N?, 1)``, the pair (y, x)).
        translation: ``(N?, dims)`` in mm.
        control_points: ``(N?, *grid, dims)`` displacements in mm.
        inverse: True for the (approximate) inverse warp. Defaults to False.
    """

    spatial_shape: tuple[int, ...]
    spacing: tuple[float, ...]
    degrees: Tensor
    scales: Tensor
    shear: Tensor
    translation: Tensor
    control_points: Tensor
    inverse: bool = False

    def __post_init__(self) -> None:
        for f in ("degrees", "scales", "shear", "translation", "control_points"):
            value = torch.as_tensor(getattr(self, f), dtype=torch.float64).cpu()
            object.__setattr__(self, f, value)  # frozen: the record holds float64
        object.__setattr__(self, "spatial_shape", tuple(self.spatial_shape))
        object.__setattr__(self, "spacing", tuple(float(s) for s in self.spacing))
        dims = len(check_spatial_shape(self.spatial_shape))
        if len(self.spacing) != dims:
            raise ValueError(
                f"spacing: expected {dims} values for spatial_shape "
                f"{tuple(self.spatial_shape)}, got {tuple(self.spacing)}"
            )
        lead = self.translation.shape[:-1]
        angles = 3 if dims == 3 else 1
        want = {"degrees": angles, "scales": dims, "shear": angles, "translation": dims}
        for name, k in want.items():
            if getattr(self, name).shape != (*lead, k):
                raise ValueError(
                    f"{name}: expected shape {(*lead, k)}, got "
                    f"{tuple(getattr(self, name).shape)}"
                )
        if not bool((self.scales > 0).all()):
            raise ValueError(f"scales: expected values > 0, got {self.scales.tolist()}")
        cp = self.control_points
        if cp.shape[: len(lead)] != lead or cp.ndim != len(lead) + dims + 1:
            raise ValueError(
                f"control_points: expected (*{tuple(lead)}, *grid, {dims}), got "
                f"{tuple(cp.shape)}"
            )
        if cp.shape[-1] != dims or min(cp.shape[len(lead) : -1]) < 4:
            raise ValueError(
                f"control_points: a cubic B-spline needs >= 4 points per axis and "
                f"{dims} components, got grid {tuple(cp.shape[len(lead) :])}"
            )

    def _lead(self) -> Tensor:
        return self.translation

    def _lead_ndim(self) -> int:
        return 1

    @property
    def spatial_dims(self) -> int:
        """2 or 3."""
        return len(self.spatial_shape)


# ----------------------------------------------------------------- affine
def _rotation(degrees: Tensor) -> Tensor:
    """``(N, k)`` angles -> ``(N, d, d)`` rotations in ``(z, y, x)`` order."""
    r = torch.deg2rad(degrees)
    c, s = torch.cos(r), torch.sin(r)
    one, zero = torch.ones_like(c[:, 0]), torch.zeros_like(c[:, 0])

    def rot(rows: list) -> Tensor:  # (N, d, d) from rows of (N,) entries
        return torch.stack([torch.stack(row, -1) for row in rows], -2)

    if degrees.shape[1] == 1:  # 2D: turn +x towards +y
        xyz = rot([[c[:, 0], -s[:, 0]], [s[:, 0], c[:, 0]]])
    else:  # angles about z, y, x; ITK's Euler3D: R = Rz Rx Ry
        cz, cy, cx, sz, sy, sx = c[:, 0], c[:, 1], c[:, 2], s[:, 0], s[:, 1], s[:, 2]
        rz = rot([[cz, -sz, zero], [sz, cz, zero], [zero, zero, one]])
        rx = rot([[one, zero, zero], [zero, cx, -sx], [zero, sx, cx]])
        ry = rot([[cy, zero, sy], [zero, one, zero], [-sy, zero, cy]])
        xyz = rz @ rx @ ry
    return xyz.flip(-1).flip(-2)  # reverse both axes: (x, y, z) -> (z, y, x)


def _shear(shear: Tensor, dims: int) -> Tensor:
    """``(N, k)`` factors -> ``(N, d, d)`` upper-triangular shear matrices."""
    h = torch.eye(dims, dtype=shear.dtype).repeat(shear.shape[0], 1, 1)
    rows, cols = torch.triu_indices(dims, dims, offset=1)
    h[:, rows, cols] = shear
    return h


def _linear(params: AffineElasticParams) -> tuple[Tensor, Tensor]:
    """``M = S R H`` ``(N, d, d)`` and ``t`` ``(N, d)``, float64, batch axis kept."""
    one = params.translation.reshape(-1, params.spatial_dims)
    lead = one.shape[0]
    deg = params.degrees.reshape(lead, -1)
    m = torch.diag_embed(params.scales.reshape(lead, -1)) @ _rotation(deg)
    return m @ _shear(params.shear.reshape(lead, -1), params.spatial_dims), one


def affine_matrix(params: AffineElasticParams) -> Tensor:
    """The affine part as a homogeneous push matrix, mm, ``(z, y, x)`` order.

    For an inverted record (``params.inverse``) this is the inverse matrix.

    Args:
        params: a warp record.

    Returns:
        ``(N?, d + 1, d + 1)`` float64: ``[[M, t], [0, 1]]``, mapping a point
        of the input to where its content lands in the output.

    Example:
        >>> p = AffineElasticParams((4, 4), (1.0, 1.0), torch.tensor([90.0]),
        ...     torch.ones(2), torch.zeros(1), torch.zeros(2), torch.zeros(4, 4, 2))
        >>> affine_matrix(p).round().tolist()  # +x turns to +y: (y, x) = (1, 0)
        [[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    m, t = _linear(params)
    d = params.spatial_dims
    out = torch.eye(d + 1, dtype=torch.float64).repeat(m.shape[0], 1, 1)
    out[:, :d, :d], out[:, :d, d] = m, t
    if params.inverse:
        out = torch.linalg.inv(out)
    return out if params.batch_size is not None else out[0]


# --------------------------------------------------------- the one grid
def _half_extent(params: AffineElasticParams) -> Tensor:
    """mm from the centre to the outermost voxel centre, per axis (1 if n = 1)."""
    h = [
        (n - 1) / 2 * s if n > 1 else 1.0
        for n, s in zip(params.spatial_shape, params.spacing)
    ]
    return torch.tensor(h, dtype=torch.float64)


def sampling_grid(
    params: AffineElasticParams,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """The ``grid_sample`` grid of the warp (``align_corners=True``).

    Args:
        params: a warp record.
        dtype: dtype of the grid (that of the image it samples). Defaults to
            torch.float32.
        device: where to build it. Defaults to None (CPU).

    Returns:
        ``(N?, *spatial, dims)``: for each output voxel, the input position it
        samples, normalised to [-1, 1] per axis, components in grid_sample's
        ``(x, y, z)`` order (the reverse of the tensor's axes).

    Example:
        >>> p = AffineElasticParams((3, 3), (1.0, 1.0), torch.zeros(1),
        ...     torch.ones(2), torch.zeros(1), torch.zeros(2), torch.zeros(4, 4, 2))
        >>> sampling_grid(p)[0].round(decimals=5).tolist()  # row 0: y = -1
        [[-1.0, -1.0], [0.0, -1.0], [1.0, -1.0]]
    """
    m, t = _linear(params)  # (N, d, d), (N, d), float64
    d, n, shape = params.spatial_dims, m.shape[0], params.spatial_shape
    half = _half_extent(params)
    cp = params.control_points.reshape(n, *params.control_points.shape[-d - 1 :])
    where = control_point_positions(shape, cp.shape[1:-1], params.spacing)
    axes = torch.meshgrid(*[w / h for w, h in zip(where, half)], indexing="ij")
    knots = torch.stack(axes, -1)  # (*grid, d): control points, normalised

    def spline(values: Tensor) -> Tensor:  # (N, *grid, d) (z, y, x) -> dense (x, y, z)
        return elastic_field(values.flip(-1).to(device=device, dtype=dtype), shape)

    if not params.inverse:  # phi(p) = M^-1 (p + d(p) - t), normalised
        lin = torch.linalg.inv(m) / half[:, None]  # D^-1 M^-1
        a, b = lin * half, -(lin @ t[..., None])[..., 0]
        affine = torch.einsum("nij,...j->n...i", a, knots) + b.view(n, *[1] * d, d)
        grid = spline(affine + torch.einsum("nij,n...j->n...i", lin, cp))
    else:  # psi(q) = y - d(y), y = M q + t, d interpolated linearly at y
        a, b = m / half[:, None] * half, t / half
        affine = torch.einsum("nij,...j->n...i", a, knots) + b.view(n, *[1] * d, d)
        grid = spline(affine)
        field = torch.movedim(spline(cp / half), -1, 1)  # (N, d, *spatial)
        moved = F.grid_sample(field, grid, "bilinear", "border", align_corners=True)
        grid = grid - torch.movedim(moved, 1, -1)
    return grid if params.batch_size is not None else grid[0]


def _det(j: Tensor) -> Tensor:
    """Determinants of ``(..., d, d)`` matrices, d = 2 or 3, written out
    (many small matrices: faster than a batched LU)."""
    if j.shape[-1] == 2:
        return j[..., 0, 0] * j[..., 1, 1] - j[..., 0, 1] * j[..., 1, 0]
    a, b, c = j[..., 0, :].unbind(-1)
    return (
        a * (j[..., 1, 1] * j[..., 2, 2] - j[..., 1, 2] * j[..., 2, 1])
        - b * (j[..., 1, 0] * j[..., 2, 2] - j[..., 1, 2] * j[..., 2, 0])
        + c * (j[..., 1, 0] * j[..., 2, 1] - j[..., 1, 1] * j[..., 2, 0])
    )


def min_jacobian_determinant(params: AffineElasticParams) -> Tensor:
    """The smallest Jacobian determinant of the sampling map, per sample.

    ``det(d phi / dp) = det(I + grad d) / det(M)``; the warp folds (two output
    voxels sample the same input point, the mapping is no longer one-to-one)
    where it is <= 0. The spline gradient is evaluated exactly at 8 points per
    spline span and axis (every voxel where the image is smaller). For an
    inverted record it is ``det(M) det(I - grad d)``, the first-order inverse.

    Args:
        params: a warp record.

    Returns:
        ``()`` or ``(N,)`` float64.

    Example:
        >>> p = AffineElasticParams((8, 8), (1.0, 1.0), torch.zeros(1),
        ...     torch.full((2,), 2.0), torch.zeros(1), torch.zeros(2),
        ...     torch.zeros(5, 5, 2))
        >>> min_jacobian_determinant(p).item()  # twice larger: 1/4 of the area
        0.25
    """
    d = params.spatial_dims
    m, _ = _linear(params)
    cp = params.control_points.reshape(
        m.shape[0], *params.control_points.shape[-d - 1 :]
    )
    grid = cp.shape[1:-1]
    pos = [
        torch.linspace(0, n - 1, min(n, 8 * (g - 3) + 1), dtype=torch.float64)
        for n, g in zip(params.spatial_shape, grid)
    ]
    w = [bspline_weights(n, g, p) for n, g, p in zip(params.spatial_shape, grid, pos)]
    dw = [
        bspline_weights(n, g, p, derivative=True) / s
        for n, g, p, s in zip(params.spatial_shape, grid, pos, params.spacing)
    ]
    grads = [separable(cp, w[:a] + [dw[a]] + w[a + 1 :]) for a in range(d)]
    jac = torch.stack(grads, -1)  # (N, *P, d_component, d_axis), per mm
    sign = -1.0 if params.inverse else 1.0
    det = _det(torch.eye(d, dtype=torch.float64) + sign * jac)
    scale = torch.linalg.det(m) ** (1 if params.inverse else -1)
    out = det.flatten(1).amin(1) * scale
    return out if params.batch_size is not None else out[0]
