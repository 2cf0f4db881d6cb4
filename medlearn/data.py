"""Data, all offline: synthetic phantoms with exact ground truth, and real samples.

Phantoms are drawn in physical space (millimetres), so a lesion is round in
millimetres whatever the voxel spacing. Each phantom has anatomy (a body and
an organ), optional lesions (compact blobs or thin vessel-like curves), a
patient (age, sex, group) and a scanner *site* that renders the same anatomy
with its own physics: intensity curve, blur, bias field and noise.

Real samples come from files that installed packages ship (scikit-image,
matplotlib); nothing is downloaded. NIfTI volumes are in :mod:`medlearn.io`.

See chapter 01 (tasks) for the three tasks on these data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

__all__ = [
    "Site",
    "SITES",
    "Phantom",
    "phantom_2d",
    "phantom_3d",
    "PhantomDataset",
    "make_dataset",
    "batch",
    "load_retina",
    "load_microaneurysms",
    "load_ihc",
    "load_shepp_logan",
    "load_mri_slice",
]


@dataclass(frozen=True)
class Site:
    """Scanner physics of one acquisition site.

    Attributes:
        name: site name.
        gamma: exponent of the intensity curve ``x ** gamma`` (1 = linear).
        gain: multiplicative gain after the curve.
        blur: Gaussian blur sigma in voxels (the scanner's resolution).
        bias: standard deviation of the smooth multiplicative bias field's
            log-coefficients (the MRI bias field; 0 = none).
        noise: standard deviation of the additive Gaussian noise.
    """

    name: str
    gamma: float = 1.0
    gain: float = 1.0
    blur: float = 0.5
    bias: float = 0.05
    noise: float = 0.03


SITES: dict[str, Site] = {
    "A": Site("A", gamma=1.0, gain=1.0, blur=0.5, bias=0.05, noise=0.03),
    "B": Site("B", gamma=0.7, gain=0.9, blur=1.0, bias=0.25, noise=0.06),
    "C": Site("C", gamma=1.5, gain=1.15, blur=0.0, bias=0.10, noise=0.10),
}


@dataclass
class Phantom:
    """One synthetic image with its exact ground truth.

    Attributes:
        image: ``(1, *spatial)`` float32 intensities, roughly in [0, 1].
        mask: ``(*spatial)`` int64 label map: 0 background, 1 organ, 2 lesion.
        boxes: lesion bounding boxes, ``(K, 4)`` as ``(x0, y0, x1, y1)`` in 2D or
            ``(K, 6)`` as ``(z0, y0, x0, z1, y1, x1)`` in 3D; pixel indices,
            end-exclusive, float32.
        label: image-level class, 1 if there is any lesion else 0.
        spacing: voxel size in millimetres, in ``(z, y, x)`` / ``(y, x)`` order.
        site: the name of the scanner site that rendered it.
        patient: ``{"age": int, "sex": "F"|"M", "group": int}``.
    """

    image: torch.Tensor
    mask: torch.Tensor
    boxes: torch.Tensor
    label: int
    spacing: tuple[float, ...]
    site: str
    patient: dict = field(default_factory=dict)

    @property
    def lesion_mask(self) -> torch.Tensor:
        """``(*spatial)`` bool, True on lesion voxels."""
        return self.mask == 2

    @property
    def organ_mask(self) -> torch.Tensor:
        """``(*spatial)`` bool, True on organ voxels (lesions included)."""
        return self.mask >= 1


# ----------------------------------------------------------------- primitives
def _uniform(g: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * torch.rand((), generator=g).item()


def _grid(size: tuple[int, ...], spacing: tuple[float, ...]) -> list[torch.Tensor]:
    """Physical coordinates in mm, centred on the volume: one tensor per axis."""
    axes = [(torch.arange(n) - (n - 1) / 2) * s for n, s in zip(size, spacing)]
    return list(torch.meshgrid(*axes, indexing="ij"))


def _smooth_field(
    coords: list[torch.Tensor], half_fov: list[float], g: torch.Generator, std: float
) -> torch.Tensor:
    """exp of a random quadratic polynomial: a smooth, positive field (bias)."""
    u = [c / h for c, h in zip(coords, half_fov)]  # normalised to [-1, 1]
    log_field = torch.zeros_like(coords[0])
    terms = u + [a * b for i, a in enumerate(u) for b in u[i:]]
    for t in terms:
        log_field += std * torch.randn((), generator=g).item() * t
    return torch.exp(log_field)


def _gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of ``(*spatial)`` ``x`` with sigma in voxels."""
    if sigma <= 0:
        return x
    radius = max(1, int(math.ceil(3 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype)
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


def _lesion_blobs(coords, n, organ, g, radius_mm):
    """n round lesions centred inside the organ; returns one bool mask each."""
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


def _lesion_vessels(coords, n, organ, g, width_mm, half_fov):
    """n thin, smoothly curving tubes through the organ (vessel-like)."""
    masks = []
    flat = torch.stack([c.reshape(-1) for c in coords], dim=1)  # (V, nd)
    nd = len(coords)
    t = torch.linspace(-1, 1, 160)
    for _ in range(n):
        pts = []
        for axis in range(nd):
            h = 0.55 * half_fov[axis]
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


def _surroundings(u, body, seed):
    """Anatomy around the organ, for realism: a fat rim, a spine, two kidneys.

    Tubes along z in 3D (they depend on the in-plane coordinates only), with a
    little jitter from their own generator, so the organ and lesions that a
    seed gives do not depend on them.
    """
    g = torch.Generator().manual_seed(seed + 7919)
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


def _render(clean, coords, half_fov, site, g):
    """Scanner physics: intensity curve, blur, bias field, noise."""
    img = site.gain * clean.clamp(min=0) ** site.gamma
    img = _gaussian_blur(img, site.blur)
    img = img * _smooth_field(coords, half_fov, g, site.bias)
    return img + site.noise * torch.randn(img.shape, generator=g)


def _boxes(masks: list[torch.Tensor]) -> torch.Tensor:
    nd = masks[0].dim() if masks else 2
    rows = []
    for m in masks:
        idx = m.nonzero()
        if len(idx) == 0:
            continue
        lo, hi = idx.min(0).values, idx.max(0).values + 1
        if nd == 2:  # xyxy: x is the last axis
            rows.append([lo[1], lo[0], hi[1], hi[0]])
        else:
            rows.append([*lo.tolist(), *hi.tolist()])
    return torch.tensor(rows, dtype=torch.float32).reshape(-1, 2 * nd)


def _phantom(size, spacing, seed, lesions, n_lesions, site, lesion_intensity):
    if lesions not in ("blobs", "vessels", "none"):
        raise ValueError(
            f"lesions: expected 'blobs', 'vessels' or 'none', got {lesions!r}"
        )
    if isinstance(site, str):
        if site not in SITES:
            raise ValueError(f"site: expected one of {sorted(SITES)}, got {site!r}")
        site = SITES[site]
    if any(s <= 0 for s in spacing):
        raise ValueError(f"spacing: expected positive millimetres, got {spacing}")
    g = torch.Generator().manual_seed(int(seed))
    coords = _grid(size, spacing)
    half_fov = [n * s / 2 for n, s in zip(size, spacing)]
    # anatomy in coordinates normalised to the field of view
    u = [c / h for c, h in zip(coords, half_fov)]
    body = sum((x / _uniform(g, 0.8, 0.92)) ** 2 for x in u) <= 1
    centre = [_uniform(g, -0.15, 0.15) for _ in u]
    radii = [_uniform(g, 0.35, 0.5) for _ in u]
    wobble = 0.12 * torch.sin(_uniform(g, 2, 4) * u[-1] / radii[-1] + _uniform(g, 0, 6))
    organ = sum(((x - c) / r) ** 2 for x, c, r in zip(u, centre, radii)) <= 1 + wobble
    organ &= body
    age = int(_uniform(g, 20, 86))
    patient = {
        "age": age,
        "sex": "F" if torch.rand((), generator=g) < 0.5 else "M",
        "group": int(torch.rand((), generator=g) < 0.3),
    }
    if n_lesions is None:
        # lesions become more likely with age: a label that depends on a covariate
        p_lesion = 0.3 + 0.5 * (age - 20) / 65
        n_lesions = (
            0
            if torch.rand((), generator=g) > p_lesion
            else 1 + int(torch.randint(3, (1,), generator=g))
        )
    if n_lesions < 0:
        raise ValueError(f"n_lesions: expected >= 0, got {n_lesions}")
    if lesions == "none":
        n_lesions = 0
    min_fov = min(half_fov[-2:])
    if lesions == "blobs":
        parts = _lesion_blobs(
            coords, n_lesions, organ, g, (0.1 * min_fov, 0.25 * min_fov)
        )
    else:
        width = max(spacing[-1], spacing[-2]) * 1.6
        parts = _lesion_vessels(coords, n_lesions, organ, g, width, half_fov)
    parts = [p for p in parts if p.any()]
    mask = torch.zeros(size, dtype=torch.int64)
    mask[organ] = 1
    for p in parts:
        mask[p] = 2
    texture = _gaussian_blur(torch.randn(size, generator=g), 2.0)
    clean = 0.3 * body.float() + _surroundings(u, body, int(seed))
    clean = torch.where(organ, 0.5 + 0.1 * texture, clean)
    bright = 0.85 if lesion_intensity is None else float(lesion_intensity)
    clean = torch.where(mask == 2, torch.full_like(clean, bright), clean)
    image = _render(clean, coords, half_fov, site, g).float()[None]
    return Phantom(
        image=image,
        mask=mask,
        boxes=_boxes(parts),
        label=int(len(parts) > 0),
        spacing=tuple(float(s) for s in spacing),
        site=site.name,
        patient=patient,
    )


def _check_size(size, nd: int, name: str = "size") -> tuple[int, ...]:
    if isinstance(size, int):
        size = (size,) * nd
    size = tuple(int(s) for s in size)
    if len(size) != nd or any(s < 8 for s in size):
        raise ValueError(f"{name}: expected {nd} sizes >= 8, got {size}")
    return size


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
    size = _check_size(size, 2)
    if len(spacing) != 2:
        raise ValueError(f"spacing: expected 2 values (y, x) in mm, got {spacing}")
    return _phantom(
        size, tuple(spacing), seed, lesions, n_lesions, site, lesion_intensity
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
    size = _check_size(size, 3)
    if len(spacing) != 3:
        raise ValueError(f"spacing: expected 3 values (z, y, x) in mm, got {spacing}")
    return _phantom(
        size, tuple(spacing), seed, lesions, n_lesions, site, lesion_intensity
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

    def __init__(self, n: int, dims: int = 2, seed: int = 0, **phantom_kwargs) -> None:
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
    n: int, *, dims: int = 2, seed: int = 0, **phantom_kwargs
) -> PhantomDataset:
    """Shorthand for :class:`PhantomDataset`; see there."""
    return PhantomDataset(n, dims=dims, seed=seed, **phantom_kwargs)


def batch(
    n: int, *, dims: int = 2, seed: int = 0, **phantom_kwargs
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


# ------------------------------------------------------------ real samples
def _to_chw(a: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(a)).float()
    if a.dtype == np.uint8:
        t = t / 255.0
    return t[None] if t.dim() == 2 else t.permute(2, 0, 1).contiguous()


def load_retina() -> tuple[torch.Tensor, tuple[float, float]]:
    """The colour fundus photograph shipped with scikit-image.

    Returns:
        ``(3, H, W)`` float32 RGB in [0, 1], and the nominal pixel spacing
        ``(1.0, 1.0)`` (the photograph carries no calibration).

    Example:
        >>> img, spacing = load_retina()  # doctest: +SKIP
    """
    from skimage import data

    return _to_chw(data.retina()), (1.0, 1.0)


def load_microaneurysms() -> tuple[torch.Tensor, tuple[float, float]]:
    """A grey-level retinal crop with microaneurysms (scikit-image).

    Returns:
        ``(1, H, W)`` float32 in [0, 1] and spacing ``(1.0, 1.0)``.
    """
    from skimage import data

    return _to_chw(data.microaneurysms()), (1.0, 1.0)


def load_ihc() -> tuple[torch.Tensor, tuple[float, float]]:
    """The immunohistochemistry (pathology) sample shipped with scikit-image.

    Returns:
        ``(3, H, W)`` float32 RGB in [0, 1] and spacing ``(1.0, 1.0)``.
    """
    from skimage import data

    return _to_chw(data.immunohistochemistry()), (1.0, 1.0)


def load_shepp_logan() -> tuple[torch.Tensor, tuple[float, float]]:
    """The Shepp–Logan head phantom (scikit-image), 400×400.

    Returns:
        ``(1, 400, 400)`` float32 in [0, 1] and spacing ``(1.0, 1.0)``.
    """
    from skimage import data

    return _to_chw(data.shepp_logan_phantom()), (1.0, 1.0)


def load_mri_slice() -> tuple[torch.Tensor, tuple[float, float]]:
    """The 256×256 MRI head slice that matplotlib ships (``s1045.ima.gz``).

    Returns:
        ``(1, 256, 256)`` float32 scaled to [0, 1] and the nominal spacing
        ``(1.0, 1.0)`` (the sample carries no header).
    """
    import gzip

    from matplotlib import cbook

    with cbook.get_sample_data("s1045.ima.gz") as f:
        raw = f.read()
    if f.name.endswith(".gz") and raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    a = np.frombuffer(raw, dtype=np.uint16).reshape(256, 256).astype(np.float32)
    return torch.from_numpy(a / a.max())[None], (1.0, 1.0)
