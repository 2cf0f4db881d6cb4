"""Random affine + elastic warps: TorchIO's defaults, an explicit generator, one grid.

:class:`RandomAffineElastic` draws :class:`~medlearn.augment.geometry.AffineElasticParams`
with the defaults of TorchIO 1.2.1's ``RandomAffine`` and
``RandomElasticDeformation`` together (its ``RandomAffineElasticDeformation``):
rotations ``U(-10, 10)`` degrees about each axis, scales ``U(0.9, 1.1)`` per
axis, no translation, 7 control points per axis displaced by ``U(-7.5, 7.5)``
mm per component, the two outer layers of control points held still. It adds
shear (0 by default). Unlike TorchIO it locks the border layers along *every*
axis (TorchIO 1.2.1 locks only the first two grid axes, although its
documentation says all borders).

See chapter 06 (augmentation).
"""

from __future__ import annotations

from numbers import Real

import torch
from torch import Tensor

from medlearn._helpers import per_axis
from medlearn.augment._common import (
    as_generator,
    check_spatial_shape,
    parse_batch_size,
    parse_range,
    unbatch,
    uniform,
)
from medlearn.augment.geometry import AffineElasticParams
from medlearn.augment.warp import (
    IMAGE_PADDINGS,
    LABEL_INTERPOLATIONS,
    affine_elastic,
    invert,
)

__all__ = ["RandomAffineElastic"]


def _typed_per_axis(value: object, dims: int, name: str, kind: type) -> tuple:
    """:func:`~medlearn._helpers.per_axis`, each entry of type ``kind``."""
    values = per_axis(value, dims, name)
    if not all(isinstance(v, kind) and not isinstance(v, bool) for v in values):
        raise ValueError(
            f"{name}: expected one {kind.__name__} or {dims} of them (one per "
            f"axis, (z, y, x) order), got {value!r}"
        )
    return values


def _check_spacing(spacing: object, dims: int) -> tuple[float, ...]:
    ok = isinstance(spacing, (tuple, list, Tensor)) and len(spacing) == dims
    values = tuple(float(s) for s in spacing) if ok else ()
    if not ok or not all(s > 0 for s in values):
        raise ValueError(
            f"spacing: expected {dims} positive voxel sizes in mm for a "
            f"{dims}D spatial_shape, got {spacing!r}"
        )
    return values


class RandomAffineElastic:
    """Random affine + elastic warp of an image and its mask, resampled once.

    Args:
        degrees: ``d`` for rotations ``U(-d, d)`` about each axis (2D: in the
            plane), or a range ``(a, b)``. Defaults to 10.0.
        scales: ``s`` for factors ``U(1 - s, 1 + s)`` per axis, or a range.
            Defaults to 0.1.
        translation: ``t`` for shifts ``U(-t, t)`` mm per axis, or a range.
            Defaults to 0.0.
        shear: ``k`` for shear factors ``U(-k, k)``, or a range. Defaults to 0.0.
        isotropic: one scale factor for all axes. Defaults to False.
        num_control_points: control points per axis (>= 4), one int or one per
            axis. Defaults to 7.
        max_displacement: largest control-point displacement per component,
            mm, one number or one per axis. Defaults to 7.5.
        locked_borders: outer layers of control points kept still (0, 1 or 2).
            Defaults to 2.
        label_interpolation: ``"nearest"`` or ``"onehot"`` (label-safe).
            Defaults to "nearest".
        image_padding: value outside the image (see
            :func:`~medlearn.augment.warp.warp_image`). Defaults to "minimum".
        check_folding: warn when a sampled warp folds. Defaults to True.

    Raises:
        ValueError: for an invalid range, count or option, or
            ``locked_borders=2`` with 4 control points (no free point left).

    Example:
        >>> aug = RandomAffineElastic()
        >>> params = aug.sample((32, 32), spacing=(1.0, 1.0), generator=0)
        >>> params.control_points.shape
        torch.Size([7, 7, 2])
        >>> image, mask = aug.apply(params, torch.rand(1, 32, 32),
        ...                         torch.zeros(32, 32, dtype=torch.long))
        >>> image.shape, mask.dtype
        (torch.Size([1, 32, 32]), torch.int64)
    """

    def __init__(
        self,
        degrees: float | tuple[float, float] = 10.0,
        scales: float | tuple[float, float] = 0.1,
        translation: float | tuple[float, float] = 0.0,
        shear: float | tuple[float, float] = 0.0,
        *,
        isotropic: bool = False,
        num_control_points: int | tuple[int, ...] = 7,
        max_displacement: float | tuple[float, ...] = 7.5,
        locked_borders: int = 2,
        label_interpolation: str = "nearest",
        image_padding: str | float = "minimum",
        check_folding: bool = True,
    ) -> None:
        self.degrees = parse_range(degrees, "degrees")
        self.scales = parse_range(scales, "scales", around=1.0, minimum=0.0)
        self.translation = parse_range(translation, "translation")
        self.shear = parse_range(shear, "shear")
        self.isotropic = bool(isotropic)
        self.num_control_points = num_control_points
        self.max_displacement = max_displacement
        if locked_borders not in (0, 1, 2):
            raise ValueError(
                f"locked_borders: expected 0, 1 or 2, got {locked_borders!r}"
            )
        self.locked_borders = locked_borders
        if label_interpolation not in LABEL_INTERPOLATIONS:
            raise ValueError(
                f"label_interpolation: expected one of {LABEL_INTERPOLATIONS}, "
                f"got {label_interpolation!r}"
            )
        if not isinstance(image_padding, Real) and image_padding not in IMAGE_PADDINGS:
            raise ValueError(
                f"image_padding: expected a number or one of {IMAGE_PADDINGS}, "
                f"got {image_padding!r}"
            )
        self.label_interpolation = label_interpolation
        self.image_padding = image_padding
        self.check_folding = check_folding
        given = [
            len(v)
            for v in (num_control_points, max_displacement)
            if not isinstance(v, Real)
        ]
        for dims in given[:1] or (2, 3):  # fail early: 2D and 3D, or as given
            self._grid(dims)

    def _grid(self, dims: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
        """Control points and maximum displacements per axis, checked."""
        grid = _typed_per_axis(self.num_control_points, dims, "num_control_points", int)
        if min(grid) < 4:
            raise ValueError(
                f"num_control_points: a cubic B-spline needs >= 4 per axis, got {grid}"
            )
        if self.locked_borders == 2 and min(grid) == 4:
            raise ValueError(
                "num_control_points: with locked_borders=2, 4 control points leave "
                "none free (the identity); use 5 or more, or lock fewer borders"
            )
        disp = _typed_per_axis(self.max_displacement, dims, "max_displacement", Real)
        if min(disp) < 0:
            raise ValueError(f"max_displacement: expected values >= 0, got {disp}")
        return grid, tuple(float(d) for d in disp)

    def sample(
        self,
        spatial_shape: tuple[int, ...],
        spacing: tuple[float, ...],
        generator: torch.Generator | int,
        batch_size: int | None = None,
    ) -> AffineElasticParams:
        """Draw a warp for one image, or one per sample of a batch.

        Args:
            spatial_shape: ``(H, W)`` or ``(D, H, W)``.
            spacing: voxel size in mm, one per spatial axis, ``(z, y, x)``.
            generator: a ``torch.Generator`` or an int seed.
            batch_size: None for one ``(C, *spatial)`` image, ``N`` for a batch
                ``(N, C, *spatial)``. Defaults to None.

        Returns:
            The record; tensors without (None) or with a leading ``N`` axis.

        Raises:
            ValueError: if ``spacing`` does not have one positive value per
                spatial axis, or ``spatial_shape`` is not 2D/3D.
        """
        shape = check_spatial_shape(spatial_shape)
        d = len(shape)
        spacing = _check_spacing(spacing, d)
        g, n = as_generator(generator), parse_batch_size(batch_size)
        grid, disp = self._grid(d)
        angles = 3 if d == 3 else 1
        degrees = uniform(g, *self.degrees, (n, angles))
        scales = uniform(g, *self.scales, (n, 1 if self.isotropic else d)).expand(n, d)
        shear = uniform(g, *self.shear, (n, angles))
        translation = uniform(g, *self.translation, (n, d))
        cp = uniform(g, -1.0, 1.0, (n, *grid, d)) * torch.tensor(
            disp, dtype=torch.float64
        )
        for axis in range(1, d + 1):  # hold the outer layers still, every axis
            for i in range(self.locked_borders):
                cp.select(axis, i).zero_()
                cp.select(axis, -1 - i).zero_()
        fields = (degrees, scales.contiguous(), shear, translation, cp)
        return AffineElasticParams(
            shape, spacing, *(unbatch(f, batch_size) for f in fields)
        )

    def apply(
        self, params: AffineElasticParams, image: Tensor, mask: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """Warp ``image`` and ``mask`` with the recorded parameters.

        Args:
            params: from :meth:`sample` (or :meth:`invert`, or loaded).
            image: ``(C, *spatial)``, or ``(N, C, *spatial)`` for a batch
                record; floating point.
            mask: label map ``(*spatial)`` / ``(N, *spatial)`` (a channel axis
                of 1 is accepted), integer or bool. Defaults to None.

        Returns:
            ``(image, mask)``, see :func:`~medlearn.augment.warp.affine_elastic`.
        """
        return affine_elastic(
            params,
            image,
            mask,
            label_interpolation=self.label_interpolation,
            image_padding=self.image_padding,
            check_folding=self.check_folding,
        )

    @staticmethod
    def invert(params: AffineElasticParams) -> AffineElasticParams:
        """The inverse warp's record (see :func:`~medlearn.augment.warp.invert`)."""
        return invert(params)
