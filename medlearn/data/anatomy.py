"""Anatomy and lesions: what is in the body, before any scanner looks at it.

Shapes are drawn in physical space (millimetres), so a lesion is round in
millimetres whatever the voxel spacing: a body, an organ inside it, the
surroundings (fat rim, spine, kidneys) and lesions inside the organ, either
compact blobs or thin vessel-like curves. The result, :class:`Anatomy`, holds
the clean tissue intensities and the exact ground truth; a scanner site turns
it into an image (:mod:`medlearn.data.acquisition`), so the same anatomy can
be imaged at several sites.

Boxes, in 2D and 3D alike, list the last spatial axis first:
``(x0, y0, x1, y1)`` in 2D (torchvision's and pycocotools' "xyxy") and
``(x0, y0, z0, x1, y1, z1)`` in 3D (MONAI's "xyzxyz"), in voxel indices,
end-exclusive; :func:`boxes_from_masks` is the one place that builds them.

See chapter 01 (tasks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from medlearn.data.grid import gaussian_blur, normalised_grid, physical_grid

__all__ = [
    "LESION_KINDS",
    "LabelMap",
    "Anatomy",
    "boxes_from_masks",
    "sample_anatomy",
]

LESION_KINDS = ("blobs", "vessels", "none")
LESION_INTENSITY = 0.85  # a bright lesion on a 0.5 organ


class LabelMap:
    """Views of the ground-truth label ``mask`` (0 background, 1 organ, 2 lesion)."""

    mask: torch.Tensor

    @property
    def lesion_mask(self) -> torch.Tensor:
        """``(*spatial)`` bool, True on lesion voxels."""
        return self.mask == 2

    @property
    def organ_mask(self) -> torch.Tensor:
        """``(*spatial)`` bool, True on organ voxels (lesions included)."""
        return self.mask >= 1


@dataclass(frozen=True, eq=False)
class Anatomy(LabelMap):
    """One synthetic body: clean tissue intensities and exact ground truth.

    Attributes:
        tissue: ``(*spatial)`` float32 intensities before any scanner, in [0, 1].
        mask: ``(*spatial)`` int64 label map: 0 background, 1 organ, 2 lesion.
        boxes: ``(K, 4)`` or ``(K, 6)`` float32 lesion boxes, last spatial axis
            first (see the module docstring).
        spacing: voxel size in mm, ``(z, y, x)`` / ``(y, x)`` order.
        patient: ``{"age": int, "sex": "F" | "M", "group": int}``.
    """

    tissue: torch.Tensor
    mask: torch.Tensor
    boxes: torch.Tensor
    spacing: tuple[float, ...]
    patient: dict[str, int | str]

    @property
    def shape(self) -> tuple[int, ...]:
        """The spatial size ``(D, H, W)`` or ``(H, W)``."""
        return tuple(self.mask.shape)

    @property
    def label(self) -> int:
        """Image-level class: 1 if there is any lesion, else 0."""
        return int(len(self.boxes) > 0)


def _uniform(g: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * torch.rand((), generator=g).item()


def _body_and_organ(
    u: list[torch.Tensor], g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """An ellipsoidal body and a wobbly ellipsoidal organ inside it (bool masks)."""
    body = sum((x / _uniform(g, 0.8, 0.92)) ** 2 for x in u) <= 1
    centre = [_uniform(g, -0.15, 0.15) for _ in u]
    radii = [_uniform(g, 0.35, 0.5) for _ in u]
    wobble = 0.12 * torch.sin(_uniform(g, 2, 4) * u[-1] / radii[-1] + _uniform(g, 0, 6))
    organ = sum(((x - c) / r) ** 2 for x, c, r in zip(u, centre, radii)) <= 1 + wobble
    return body, organ & body


def _patient(g: torch.Generator) -> dict[str, int | str]:
    return {
        "age": int(_uniform(g, 20, 86)),
        "sex": "F" if torch.rand((), generator=g) < 0.5 else "M",
        "group": int(torch.rand((), generator=g) < 0.3),
    }


def _lesion_count(age: int, g: torch.Generator) -> int:
    """0 to 3 lesions, more likely with age: a label that depends on a covariate."""
    p_lesion = 0.3 + 0.5 * (age - 20) / 65
    if torch.rand((), generator=g) > p_lesion:
        return 0
    return 1 + int(torch.randint(3, (1,), generator=g))


def _lesion_blobs(
    coords: list[torch.Tensor],
    n: int,
    organ: torch.Tensor,
    g: torch.Generator,
    radius_mm: tuple[float, float],
) -> list[torch.Tensor]:
    """n round lesions centred inside the organ; one bool mask each."""
    inside = organ.nonzero()
    masks = []
    for _ in range(n):
        if len(inside) == 0:
            break
        centre_idx = inside[torch.randint(len(inside), (1,), generator=g).item()]
        centre = [c[tuple(centre_idx)] for c in coords]
        r = _uniform(g, *radius_mm)
        d2 = sum((c - m) ** 2 for c, m in zip(coords, centre))
        masks.append((d2 <= r * r) & organ)
    return masks


def _lesion_vessels(
    coords: list[torch.Tensor],
    n: int,
    organ: torch.Tensor,
    g: torch.Generator,
    width_mm: float,
    half_fov: list[float],
) -> list[torch.Tensor]:
    """n thin, smoothly curving tubes through the organ (vessel-like)."""
    masks = []
    flat = torch.stack([c.reshape(-1) for c in coords], dim=1)  # (V, nd)
    t = torch.linspace(-1, 1, 160)
    for _ in range(n):
        pts = []
        for h_axis in half_fov:
            h = 0.55 * h_axis
            direction = _uniform(g, -1, 1)
            wiggle = _uniform(g, 0.05, 0.2) * h
            freq, phase = _uniform(g, 1.0, 3.0), _uniform(g, 0, 2 * math.pi)
            offset = _uniform(g, -0.3, 0.3) * h
            pts.append(
                offset
                + direction * h * t
                + wiggle * torch.sin(freq * math.pi * t + phase)
            )
        curve = torch.stack(pts, dim=1)  # (P, nd)
        dist = torch.cdist(flat, curve).min(dim=1).values.reshape(organ.shape)
        masks.append((dist <= width_mm / 2) & organ)
    return masks


def _surroundings(u: list[torch.Tensor], body: torch.Tensor, seed: int) -> torch.Tensor:
    """Anatomy around the organ, for realism: a fat rim, a spine, two kidneys.

    Tubes along z in 3D (they depend on the in-plane coordinates only), with a
    little jitter from their own generator, so the organ and lesions that a
    seed gives do not depend on them.
    """
    g = torch.Generator().manual_seed(seed)
    y, x = u[-2], u[-1]
    r2 = sum(c**2 for c in u[-2:])
    fat = (r2 > 0.72) & body
    dy, dx = _uniform(g, -0.04, 0.04), _uniform(g, -0.04, 0.04)
    spine = ((y - 0.62 - dy) / 0.13) ** 2 + ((x - dx) / 0.11) ** 2 <= 1
    kidneys = torch.zeros_like(body)
    for side in (-1, 1):
        kidneys |= ((y - 0.35 - dy) / 0.16) ** 2 + (
            (x - side * 0.5 - dx) / 0.1
        ) ** 2 <= 1
    return (
        0.12 * fat + 0.45 * (spine & body) + 0.15 * (kidneys & body & ~spine)
    ).float()


def boxes_from_masks(masks: list[torch.Tensor], spatial_dims: int) -> torch.Tensor:
    """Tight boxes of bool masks, last spatial axis first, end-exclusive.

    Args:
        masks: one ``(*spatial)`` bool mask per object; empty ones are skipped.
        spatial_dims: 2 or 3 (fixes the width of an empty result).

    Returns:
        float32 ``(K, 4)`` as ``(x0, y0, x1, y1)`` in 2D or ``(K, 6)`` as
        ``(x0, y0, z0, x1, y1, z1)`` in 3D: ``mask[y0:y1, x0:x1]`` (2D) and
        ``mask[z0:z1, y0:y1, x0:x1]`` (3D) hold the whole object.

    Example:
        >>> m = torch.zeros(4, 6, dtype=torch.bool)
        >>> m[1:3, 2:5] = True
        >>> boxes_from_masks([m], 2)
        tensor([[2., 1., 5., 3.]])
    """
    rows = []
    for m in masks:
        idx = m.nonzero()
        if len(idx) == 0:
            continue
        lo, hi = idx.min(0).values, idx.max(0).values + 1  # (z, y, x) order
        rows.append([*lo.flip(0).tolist(), *hi.flip(0).tolist()])
    return torch.tensor(rows, dtype=torch.float32).reshape(-1, 2 * spatial_dims)


def sample_anatomy(
    size: tuple[int, ...],
    spacing: tuple[float, ...],
    generator: torch.Generator,
    *,
    lesions: str = "blobs",
    n_lesions: int | None = None,
    lesion_intensity: float | None = None,
) -> Anatomy:
    """Draw one body: organ, surroundings, patient and lesions, with ground truth.

    The draws come from ``generator`` in a fixed order (body, organ, patient,
    lesion count, lesions, organ texture); the surroundings' small jitter
    comes from the generator's initial seed, so the organ and lesions a seed
    gives do not depend on them.

    Args:
        size: ``(H, W)`` or ``(D, H, W)`` in voxels.
        spacing: voxel size in mm, in the same axis order.
        generator: a CPU ``torch.Generator``; it is advanced.
        lesions: ``"blobs"`` (compact, round in mm), ``"vessels"`` (thin
            curves, about 1.6 voxels wide) or ``"none"``. Defaults to "blobs".
        n_lesions: number of lesions; None draws 0-3, more likely with age.
            Defaults to None.
        lesion_intensity: clean lesion intensity. Defaults to None (0.85).

    Returns:
        An :class:`Anatomy` of spatial shape ``size``.

    Raises:
        ValueError: for an unknown ``lesions``, non-positive spacing, a
            spacing of another length than ``size``, or negative ``n_lesions``.

    Example:
        >>> a = sample_anatomy((16, 16), (1.0, 1.0), torch.Generator().manual_seed(0))
        >>> a.tissue.shape, a.mask.dtype
        (torch.Size([16, 16]), torch.int64)
    """
    if lesions not in LESION_KINDS:
        raise ValueError(
            f"lesions: expected 'blobs', 'vessels' or 'none', got {lesions!r}"
        )
    if len(spacing) != len(size) or any(s <= 0 for s in spacing):
        raise ValueError(
            f"spacing: expected {len(size)} positive millimetres, got {spacing}"
        )
    if n_lesions is not None and n_lesions < 0:
        raise ValueError(f"n_lesions: expected >= 0, got {n_lesions}")
    coords = physical_grid(size, spacing)
    u = normalised_grid(size, spacing)
    body, organ = _body_and_organ(u, generator)
    patient = _patient(generator)
    if n_lesions is None:
        n_lesions = _lesion_count(int(patient["age"]), generator)
    if lesions == "none":
        n_lesions = 0
    half_fov = [n * s / 2 for n, s in zip(size, spacing)]
    if lesions == "blobs":
        min_fov = min(half_fov[-2:])
        radius = (0.1 * min_fov, 0.25 * min_fov)
        parts = _lesion_blobs(coords, n_lesions, organ, generator, radius)
    else:
        width = max(spacing[-1], spacing[-2]) * 1.6
        parts = _lesion_vessels(coords, n_lesions, organ, generator, width, half_fov)
    parts = [p for p in parts if p.any()]
    mask = torch.zeros(size, dtype=torch.int64)
    mask[organ] = 1
    for p in parts:
        mask[p] = 2
    texture = gaussian_blur(torch.randn(size, generator=generator), 2.0)
    jitter_seed = (generator.initial_seed() + 7919) % 2**64
    tissue = 0.3 * body.float() + _surroundings(u, body, jitter_seed)
    tissue = torch.where(organ, 0.5 + 0.1 * texture, tissue)
    bright = LESION_INTENSITY if lesion_intensity is None else float(lesion_intensity)
    tissue = torch.where(mask == 2, torch.full_like(tissue, bright), tissue)
    return Anatomy(
        tissue=tissue,
        mask=mask,
        boxes=boxes_from_masks(parts, len(size)),
        spacing=tuple(float(s) for s in spacing),
        patient=patient,
    )
