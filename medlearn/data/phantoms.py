"""Phantoms: an anatomy imaged at a site, one call, and data sets of them.

:func:`phantom_2d` and :func:`phantom_3d` draw an anatomy
(:func:`~medlearn.data.anatomy.sample_anatomy`), then one scan of it at the
chosen site (:func:`~medlearn.data.acquisition.sample_acquisition`), from one
generator seeded with ``seed``, and render it. The anatomy and the scan stay
on the :class:`Phantom`, so the same body can be rendered again elsewhere.

See chapter 01 (tasks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch.utils.data import Dataset

from medlearn.data.acquisition import (
    Acquisition,
    Site,
    render,
    resolve_site,
    sample_acquisition,
)
from medlearn.data.anatomy import Anatomy, LabelMap, sample_anatomy

__all__ = [
    "Phantom",
    "phantom_2d",
    "phantom_3d",
    "PhantomDataset",
    "make_dataset",
    "batch",
]


@dataclass
class Phantom(LabelMap):
    """One synthetic image with its exact ground truth.

    Attributes:
        image: ``(1, *spatial)`` float32 intensities, roughly in [0, 1].
        mask: ``(*spatial)`` int64 label map: 0 background, 1 organ, 2 lesion.
        boxes: lesion bounding boxes, last spatial axis first: ``(K, 4)`` as
            ``(x0, y0, x1, y1)`` in 2D, ``(K, 6)`` as ``(x0, y0, z0, x1, y1,
            z1)`` in 3D; voxel indices, end-exclusive, float32 (see
            :func:`~medlearn.data.anatomy.boxes_from_masks`).
        label: image-level class, 1 if there is any lesion else 0.
        spacing: voxel size in millimetres, in ``(z, y, x)`` / ``(y, x)`` order.
        site: the name of the scanner site that rendered it.
        patient: ``{"age": int, "sex": "F"|"M", "group": int}``.
        anatomy: the body before the scanner. Defaults to None.
        acquisition: the scan's parameters. Defaults to None.
    """

    image: torch.Tensor
    mask: torch.Tensor
    boxes: torch.Tensor
    label: int
    spacing: tuple[float, ...]
    site: str
    patient: dict = field(default_factory=dict)
    anatomy: Anatomy | None = field(default=None, repr=False)
    acquisition: Acquisition | None = field(default=None, repr=False)


def _check_size(size: int | tuple[int, ...], nd: int) -> tuple[int, ...]:
    if isinstance(size, int):
        size = (size,) * nd
    size = tuple(int(s) for s in size)
    if len(size) != nd or any(s < 8 for s in size):
        raise ValueError(f"size: expected {nd} sizes >= 8, got {size}")
    return size


def _phantom(
    spatial_dims: int,
    size: int | tuple[int, ...],
    spacing: tuple[float, ...],
    *,
    seed: int,
    site: str | Site,
    lesions: str,
    n_lesions: int | None,
    lesion_intensity: float | None,
) -> Phantom:
    """Anatomy, then one scan at ``site``, from one generator seeded with ``seed``."""
    size = _check_size(size, spatial_dims)
    if len(spacing) != spatial_dims:
        axes = "(y, x)" if spatial_dims == 2 else "(z, y, x)"
        raise ValueError(
            f"spacing: expected {spatial_dims} values {axes} in mm, got {spacing}"
        )
    site = resolve_site(site)
    g = torch.Generator().manual_seed(int(seed))
    anatomy = sample_anatomy(
        size,
        tuple(spacing),
        g,
        lesions=lesions,
        n_lesions=n_lesions,
        lesion_intensity=lesion_intensity,
    )
    acquisition = sample_acquisition(site, g, anatomy.shape)
    return Phantom(
        image=render(anatomy, acquisition),
        mask=anatomy.mask,
        boxes=anatomy.boxes,
        label=anatomy.label,
        spacing=anatomy.spacing,
        site=site.name,
        patient=anatomy.patient,
        anatomy=anatomy,
        acquisition=acquisition,
    )


def phantom_2d(
    size: int | tuple[int, int] = 64,
    *,
    seed: int = 0,
    lesions: str = "blobs",
    n_lesions: int | None = None,
    site: str | Site = "A",
    spacing: tuple[float, float] = (1.0, 1.0),
    lesion_intensity: float | None = None,
) -> Phantom:
    """A 2D phantom: body, organ, lesions, rendered by a scanner site.

    Args:
        size: ``H`` (square) or ``(H, W)`` in pixels. Defaults to 64.
        seed: everything random derives from it. Defaults to 0.
        lesions: ``"blobs"`` (compact, round in mm), ``"vessels"`` (thin
            curves, about 1.6 pixels wide) or ``"none"``. Defaults to "blobs".
        n_lesions: number of lesions; None draws 0–3, more likely with age.
            Defaults to None.
        site: a key of :data:`SITES` or a :class:`Site`. Defaults to "A".
        spacing: pixel size in mm, ``(y, x)``. Defaults to (1.0, 1.0).
        lesion_intensity: clean lesion intensity (0.85 = bright; a dark value
            such as 0.1 makes an unseen lesion type). Defaults to None (0.85).

    Returns:
        A :class:`Phantom` with ``image`` ``(1, H, W)`` and ``mask`` ``(H, W)``.

    Raises:
        ValueError: for an unknown ``lesions`` or ``site``, a size below 8,
            non-positive spacing or negative ``n_lesions``.

    Example:
        >>> p = phantom_2d(32, seed=1, n_lesions=2)
        >>> p.image.shape, p.mask.shape, p.label
        (torch.Size([1, 32, 32]), torch.Size([32, 32]), 1)
    """
    return _phantom(
        2,
        size,
        spacing,
        seed=seed,
        site=site,
        lesions=lesions,
        n_lesions=n_lesions,
        lesion_intensity=lesion_intensity,
    )


def phantom_3d(
    size: int | tuple[int, int, int] = (32, 64, 64),
    *,
    seed: int = 0,
    lesions: str = "blobs",
    n_lesions: int | None = None,
    site: str | Site = "A",
    spacing: tuple[float, float, float] = (5.0, 0.8, 0.8),
    lesion_intensity: float | None = None,
) -> Phantom:
    """A 3D phantom; anisotropic by default, like a thick-slice MRI.

    Args:
        size: ``(D, H, W)`` in voxels (or one int for a cube). Defaults to
            (32, 64, 64).
        seed: everything random derives from it. Defaults to 0.
        lesions: ``"blobs"``, ``"vessels"`` or ``"none"``. Defaults to "blobs".
        n_lesions: number of lesions; None draws 0–3. Defaults to None.
        site: a key of :data:`SITES` or a :class:`Site`. Defaults to "A".
        spacing: voxel size in mm, ``(z, y, x)``. Defaults to (5.0, 0.8, 0.8).
        lesion_intensity: clean lesion intensity. Defaults to None (0.85).

    Returns:
        A :class:`Phantom` with ``image`` ``(1, D, H, W)``, ``mask``
        ``(D, H, W)`` and ``boxes`` ``(K, 6)``.

    Raises:
        ValueError: as :func:`phantom_2d`.

    Example:
        >>> p = phantom_3d((8, 16, 16), seed=0)
        >>> p.image.shape, p.spacing
        (torch.Size([1, 8, 16, 16]), (5.0, 0.8, 0.8))
    """
    return _phantom(
        3,
        size,
        spacing,
        seed=seed,
        site=site,
        lesions=lesions,
        n_lesions=n_lesions,
        lesion_intensity=lesion_intensity,
    )


def _sample_seed(seed: int, index: int) -> int:
    # distinct data sets for distinct seeds: seed 0 and seed 1 share no sample
    return (int(seed) * 1_000_003 + int(index)) % (2**63 - 1)


class PhantomDataset(Dataset):
    """A map-style data set of phantoms, generated on access (deterministic).

    Each item is a dict with ``"image"`` ``(1, *spatial)``, ``"mask"``
    ``(*spatial)``, ``"label"`` (0-dim int64), ``"spacing"`` and ``"site"``.

    Args:
        n: number of samples.
        dims: 2 or 3. Defaults to 2.
        seed: data-set seed. Defaults to 0.
        **phantom_kwargs: passed to :func:`phantom_2d` / :func:`phantom_3d`.

    Example:
        >>> ds = PhantomDataset(4, seed=0, size=32)
        >>> ds[0]["image"].shape
        torch.Size([1, 32, 32])
    """

    def __init__(
        self, n: int, dims: int = 2, seed: int = 0, **phantom_kwargs: object
    ) -> None:
        if dims not in (2, 3):
            raise ValueError(f"dims: expected 2 or 3, got {dims}")
        if n < 1:
            raise ValueError(f"n: expected >= 1, got {n}")
        self.n, self.dims, self.seed, self.kwargs = n, dims, seed, phantom_kwargs

    def __len__(self) -> int:
        return self.n

    def phantom(self, index: int) -> Phantom:
        """The full :class:`Phantom` behind item ``index``."""
        if not 0 <= index < self.n:
            raise IndexError(f"index {index} out of range for {self.n} samples")
        make = phantom_2d if self.dims == 2 else phantom_3d
        return make(seed=_sample_seed(self.seed, index), **self.kwargs)

    def __getitem__(self, index: int) -> dict:
        p = self.phantom(index)
        return {
            "image": p.image,
            "mask": p.mask,
            "label": torch.tensor(p.label),
            "spacing": torch.tensor(p.spacing),
            "site": p.site,
        }


def make_dataset(
    n: int, *, dims: int = 2, seed: int = 0, **phantom_kwargs: object
) -> PhantomDataset:
    """Shorthand for :class:`PhantomDataset`; see there."""
    return PhantomDataset(n, dims=dims, seed=seed, **phantom_kwargs)


def batch(
    n: int, *, dims: int = 2, seed: int = 0, **phantom_kwargs: object
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` phantoms stacked for training.

    Args:
        n: batch size.
        dims: 2 or 3. Defaults to 2.
        seed: data-set seed. Defaults to 0.
        **phantom_kwargs: passed to the phantom generator.

    Returns:
        ``images`` ``(N, 1, *spatial)`` float32 and ``masks`` ``(N, *spatial)``
        int64 label maps.

    Example:
        >>> x, y = batch(2, size=16)
        >>> x.shape, y.shape
        (torch.Size([2, 1, 16, 16]), torch.Size([2, 16, 16]))
    """
    ds = make_dataset(n, dims=dims, seed=seed, **phantom_kwargs)
    items = [ds.phantom(i) for i in range(n)]
    return torch.stack([p.image for p in items]), torch.stack([p.mask for p in items])
