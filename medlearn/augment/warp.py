"""Warp an image and its mask with the same grid: the affine + elastic augmentation.

The grid of :func:`~medlearn.augment.geometry.sampling_grid` is built once per
batch, on the image's device, and used for both: the image is interpolated
linearly, the label map by nearest neighbour or label-safely (one channel per
label, interpolated linearly, then the most probable label). A batch
``(N, C, *spatial)`` with one record per sample is warped by one
``grid_sample`` call (a second one for nearest-neighbour labels, or for
one-hot labels beside ``"border"``/``"reflection"`` image padding). Identity parameters leave a
sample exactly unchanged, as TorchIO skips a zero displacement.

:class:`~medlearn.augment.spatial.RandomAffineElastic` samples the records.

See chapter 06 (augmentation).
"""

from __future__ import annotations

import dataclasses
import warnings
from numbers import Real

import torch
import torch.nn.functional as F
from torch import Tensor

from medlearn.augment._common import (
    as_batch,
    check_image,
)
from medlearn.augment.geometry import (
    AffineElasticParams,
    min_jacobian_determinant,
    sampling_grid,
)

__all__ = [
    "LABEL_INTERPOLATIONS",
    "IMAGE_PADDINGS",
    "invert",
    "warp_image",
    "warp_labels",
    "affine_elastic",
]

LABEL_INTERPOLATIONS = ("nearest", "onehot")
IMAGE_PADDINGS = ("minimum", "zeros", "border", "reflection")


def invert(params: AffineElasticParams) -> AffineElasticParams:
    """The record of the inverse warp (exact affine, first-order elastic).

    Example:
        >>> from medlearn.augment import RandomAffineElastic
        >>> p = RandomAffineElastic().sample((8, 8), (1.0, 1.0), generator=0)
        >>> invert(p).inverse, invert(invert(p)).inverse
        (True, False)
    """
    return dataclasses.replace(params, inverse=not params.inverse)


def _fill(x: Tensor, padding: str | float) -> Tensor | None:
    """The value outside the field of view, ``(N, C, 1, ...)``, or None."""
    ones = (*x.shape[:2], *[1] * (x.ndim - 2))
    if isinstance(padding, Real) and not isinstance(padding, bool):
        return x.new_full(ones, float(padding))
    if padding == "minimum":  # TorchIO's default: each channel's minimum
        return x.amin(dim=tuple(range(2, x.ndim)), keepdim=True)
    if padding == "zeros":
        return x.new_zeros(ones)
    if padding in ("border", "reflection"):
        return None
    raise ValueError(
        f"image_padding: expected a number or one of {IMAGE_PADDINGS}, got {padding!r}"
    )


def warp_image(image: Tensor, grid: Tensor, padding: str | float = "minimum") -> Tensor:
    """Sample ``image`` ``(N, C, *spatial)`` linearly on ``grid`` ``(N, *spatial, d)``.

    Args:
        image: floating-point batch.
        grid: normalised positions, ``(x, y, z)`` components, as from
            :func:`~medlearn.augment.geometry.sampling_grid`.
        padding: value outside the image: ``"minimum"`` (each channel's
            minimum, TorchIO's default), ``"zeros"``, a number, ``"border"``
            or ``"reflection"``. Defaults to "minimum".

    Returns:
        The warped batch, shape and dtype of ``image``.

    Raises:
        TypeError: if ``image`` is an integer tensor (a label map).

    Example:
        >>> x = torch.arange(4.0).view(1, 1, 2, 2)
        >>> g = torch.tensor([[[[1.0, 1.0], [-1.0, -1.0]]]])  # two output voxels
        >>> warp_image(x, g).tolist()
        [[[[3.0, 0.0]]]]
    """
    check_image(image)
    fill = _fill(image, padding)
    if fill is None:
        return F.grid_sample(image, grid, "bilinear", padding, align_corners=True)
    out = F.grid_sample(image - fill, grid, "bilinear", "zeros", align_corners=True)
    return out + fill


def _check_labels(mask: Tensor) -> None:
    if not isinstance(mask, Tensor):
        raise TypeError(f"mask: expected a torch.Tensor, got {type(mask).__name__}")
    if mask.is_floating_point() or mask.is_complex():
        raise TypeError(
            f"mask: expected an integer or bool label map, got {mask.dtype}; warp "
            f"soft masks or probabilities as image channels instead"
        )


def _onehot(mask: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """``(N, *spatial)`` labels -> ``(N, K, *spatial)`` one-hot, and the K labels
    (those present, and 0 for outside the image), sorted."""
    mask = mask.long()  # searchsorted takes no bool
    labels = torch.unique(torch.cat([mask.flatten(), mask.new_zeros(1)]))
    index = torch.searchsorted(labels, mask.contiguous())
    onehot = F.one_hot(index, len(labels)).movedim(-1, 1).to(dtype)
    return onehot, labels


def _from_onehot(probs: Tensor, labels: Tensor) -> Tensor:
    """Linearly warped one-hot -> labels: mass lost outside the image is label 0."""
    zero = torch.searchsorted(labels, labels.new_zeros(()))
    probs[:, zero] += 1 - probs.sum(1)
    return labels[probs.argmax(1)]


def warp_labels(mask: Tensor, grid: Tensor, interpolation: str = "nearest") -> Tensor:
    """Warp a label map ``(N, *spatial)`` on ``grid``, keeping only its labels.

    Args:
        mask: integer or bool labels.
        grid: as for :func:`warp_image`.
        interpolation: ``"nearest"`` (TorchIO's default) or ``"onehot"``
            (label-safe: each label's indicator interpolated linearly, then
            the most probable label; smoother boundaries). Outside the image
            the label is 0. Defaults to "nearest".

    Returns:
        ``(N, *spatial)`` labels, dtype of ``mask``, values among the input's
        labels and 0.

    Raises:
        TypeError: if ``mask`` is floating point.
        ValueError: for an unknown ``interpolation``.

    Example:
        >>> m = torch.tensor([[[0, 1], [2, 2]]])
        >>> g = torch.tensor([[[[1.0, -1.0], [0.9, 1.0]]]])
        >>> warp_labels(m, g).tolist(), warp_labels(m, g, "onehot").tolist()
        ([[[1, 2]]], [[[1, 2]]])
    """
    _check_labels(mask)
    if interpolation == "nearest":
        m = mask[:, None].to(grid.dtype)
        out = F.grid_sample(m, grid, "nearest", "zeros", align_corners=True)[:, 0]
        return out.round().to(mask.dtype)
    if interpolation == "onehot":
        onehot, labels = _onehot(mask, grid.dtype)
        probs = F.grid_sample(onehot, grid, "bilinear", "zeros", align_corners=True)
        return _from_onehot(probs, labels).to(mask.dtype)
    raise ValueError(
        f"label_interpolation: expected one of {LABEL_INTERPOLATIONS}, got {interpolation!r}"
    )


def _mask_batch(mask: Tensor, image: Tensor, *, batched: bool) -> Tensor:
    """``mask`` as ``(N, *spatial)`` for the ``(N, C, *spatial)`` image."""
    _check_labels(mask)
    spatial = tuple(image.shape[2:])
    lead = (image.shape[0],) if batched else ()
    if tuple(mask.shape) == (*lead, *spatial):
        return mask if batched else mask[None]
    if tuple(mask.shape) == (*lead, 1, *spatial):
        return mask[:, 0] if batched else mask
    raise ValueError(
        f"mask: expected shape {(*lead, *spatial)} or {(*lead, 1, *spatial)} to "
        f"match image {tuple(image.shape if batched else image.shape[1:])}, got "
        f"{tuple(mask.shape)}"
    )


def _is_identity(params: AffineElasticParams, n: int) -> Tensor:
    """``(N,)`` True where a sample's warp is exactly the identity."""

    def zero(t: Tensor) -> Tensor:
        return (t.reshape(n, -1) == 0).all(1)

    scales = (params.scales.reshape(n, -1) == 1).all(1)
    return (
        scales
        & zero(params.degrees)
        & zero(params.shear)
        & zero(params.translation)
        & zero(params.control_points)
    )


def _warn_folding(params: AffineElasticParams) -> None:
    det = min_jacobian_determinant(params).reshape(-1)
    if bool((det <= 0).any()):
        worst = int(det.argmin())
        warnings.warn(
            f"the warp folds: minimum Jacobian determinant {det[worst].item():.3g} "
            f"<= 0 (sample {worst}), so some output voxels sample the same input "
            f"point; choose a smaller max_displacement or fewer control points",
            RuntimeWarning,
            stacklevel=3,
        )


def affine_elastic(
    params: AffineElasticParams,
    image: Tensor,
    mask: Tensor | None = None,
    *,
    label_interpolation: str = "nearest",
    image_padding: str | float = "minimum",
    check_folding: bool = True,
) -> tuple[Tensor, Tensor | None]:
    """Apply a warp record to an image and, with the same grid, to its mask.

    Args:
        params: the record (one image, or a batch of ``N``).
        image: ``(C, *spatial)`` for a single record, ``(N, C, *spatial)`` for a
            batch; floating point.
        mask: label map ``(*spatial)`` or ``(1, *spatial)`` (batch:
            ``(N, *spatial)`` or ``(N, 1, *spatial)``), integer or bool.
            Defaults to None.
        label_interpolation: ``"nearest"`` or ``"onehot"`` (label-safe), see
            :func:`warp_labels`. Defaults to "nearest".
        image_padding: see :func:`warp_image`. Defaults to "minimum".
        check_folding: warn (``RuntimeWarning``, with the measured minimum
            Jacobian determinant) when the warp folds. Defaults to True.

    Returns:
        ``(image, mask)`` warped, shapes and dtypes as given (mask None if
        none was given).

    Raises:
        TypeError: if ``image`` is a label map (integer dtype) or ``mask`` is
            floating point.
        ValueError: if a shape does not match the record or the image.

    Example:
        >>> from medlearn.augment import RandomAffineElastic
        >>> p = RandomAffineElastic().sample((16, 16), (8.0, 8.0), generator=0)
        >>> image, mask = affine_elastic(p, torch.rand(1, 16, 16),
        ...                              torch.zeros(16, 16, dtype=torch.long))
        >>> image.shape, mask.shape
        (torch.Size([1, 16, 16]), torch.Size([16, 16]))
    """
    check_image(image)
    x = as_batch(image, params.spatial_dims, params.batch_size)
    if tuple(x.shape[2:]) != tuple(params.spatial_shape):
        raise ValueError(
            f"image: the parameters were sampled for spatial shape "
            f"{tuple(params.spatial_shape)}, got image {tuple(image.shape)}"
        )
    batched = params.batch_size is not None
    m = None if mask is None else _mask_batch(mask, x, batched=batched)
    if check_folding:
        _warn_folding(params)
    same = _is_identity(params, x.shape[0])  # (N,) on the CPU
    if bool(same.all()):
        return image.clone(), None if mask is None else mask.clone()
    grid = sampling_grid(params, dtype=x.dtype, device=x.device)
    grid = grid if batched else grid[None]
    out, out_m = _warp_pair(x, m, grid, label_interpolation, image_padding)
    if bool(same.any()):  # identity samples stay exactly as they were
        keep = same.to(x.device).view(-1, *[1] * (x.ndim - 1))
        out = torch.where(keep, x, out)
        out_m = None if m is None else torch.where(keep[:, 0], m, out_m)
    out = out if batched else out[0]
    return out, None if m is None else out_m.reshape(mask.shape)


def _warp_pair(
    x: Tensor,
    m: Tensor | None,
    grid: Tensor,
    label_interpolation: str,
    image_padding: str | float,
) -> tuple[Tensor, Tensor | None]:
    """Image and labels on one grid; one ``grid_sample`` when both are linear."""
    fill = _fill(x, image_padding)
    if m is None or label_interpolation != "onehot" or fill is None:
        out = warp_image(x, grid, image_padding)
        labels = None if m is None else warp_labels(m, grid, label_interpolation)
        return out, labels
    onehot, labels = _onehot(m, x.dtype)
    both = torch.cat([x - fill, onehot], 1)  # (N, C + K, *spatial)
    warped = F.grid_sample(both, grid, "bilinear", "zeros", align_corners=True)
    c = x.shape[1]
    return warped[:, :c] + fill, _from_onehot(warped[:, c:], labels).to(m.dtype)
