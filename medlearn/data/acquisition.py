"""Acquisition: a scanner site turns an anatomy into an image.

Randomness is split from physics, as in TorchIO: :func:`sample_acquisition`
draws the parameters of one scan, an :class:`Acquisition` (a plain record that
prints), and :func:`render` applies them with no randomness of its own. The
same anatomy can so be imaged at several sites (travelling subjects, chapter
07), and a scan replays exactly from its record.

The physics, in order, named as TorchIO 1.2.1 names the same steps (the
vocabulary of the augmentations in chapter 06):

1. intensity curve ``gain * x ** gamma`` (TorchIO ``Gamma``, without the gain);
2. blur, a Gaussian of ``blur`` voxels (``Blur``, whose std is in mm);
3. bias field, ``exp`` of a degree-2 polynomial of the normalised coordinates
   (``BiasField`` with ``order=2``; its coefficients are uniform there and
   normal, with the site's ``bias`` as standard deviation, here);
4. noise, additive Gaussian of standard deviation ``noise_std`` (``Noise``).

See chapter 01 (tasks) and chapter 07 (shift).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from medlearn.data.anatomy import Anatomy
from medlearn.data.grid import gaussian_blur, normalised_grid

__all__ = [
    "Site",
    "SITES",
    "Acquisition",
    "resolve_site",
    "bias_field",
    "sample_acquisition",
    "render",
]


@dataclass(frozen=True)
class Site:
    """Scanner physics of one acquisition site: the distribution of its scans.

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


@dataclass(frozen=True, eq=False)
class Acquisition:
    """The parameters of one scan: everything :func:`render` needs, drawn once.

    Attributes:
        site: the name of the site it was drawn for.
        gamma: exponent of the intensity curve.
        gain: gain after the curve.
        blur: Gaussian blur sigma in voxels.
        bias_coefficients: coefficients of the log bias field, one per term
            of :func:`bias_field` (2 + 3 in 2D, 3 + 6 in 3D).
        noise_std: standard deviation of the additive noise.
        noise: ``(*spatial)`` float32 unit-normal field that the noise scales
            (not printed).
    """

    site: str
    gamma: float
    gain: float
    blur: float
    bias_coefficients: tuple[float, ...]
    noise_std: float
    noise: torch.Tensor = field(repr=False)


def resolve_site(site: str | Site) -> Site:
    """A :class:`Site` from itself or from a key of :data:`SITES`.

    Raises:
        ValueError: for a name that is not a key of :data:`SITES`.

    Example:
        >>> resolve_site("B").noise
        0.06
    """
    if isinstance(site, Site):
        return site
    if site not in SITES:
        raise ValueError(f"site: expected one of {sorted(SITES)}, got {site!r}")
    return SITES[site]


def _bias_terms(size: tuple[int, ...], spacing: tuple[float, ...]) -> list:
    """Polynomial terms of the log bias field: ``u_i``, then ``u_i u_j`` (i <= j)."""
    u = normalised_grid(size, spacing)
    return u + [a * b for i, a in enumerate(u) for b in u[i:]]


def bias_field(
    size: tuple[int, ...],
    spacing: tuple[float, ...],
    coefficients: tuple[float, ...],
) -> torch.Tensor:
    """A smooth positive field, ``exp(sum_k c_k t_k)`` over degree-2 terms.

    The terms are the normalised coordinates ``u_i`` in [-1, 1] (``(z, y,
    x)`` order), then their products ``u_i u_j`` for ``i <= j``; no constant
    term, so the field is 1 at the centre.

    Args:
        size: ``(H, W)`` or ``(D, H, W)`` in voxels.
        spacing: voxel size in mm, same order.
        coefficients: one per term (5 in 2D, 9 in 3D).

    Returns:
        float32 ``(*size)`` field, positive everywhere.

    Raises:
        ValueError: if the number of coefficients does not match the terms.

    Example:
        >>> bias_field((4, 4), (1.0, 1.0), (0.0,) * 5).unique()
        tensor([1.])
    """
    terms = _bias_terms(size, spacing)
    if len(coefficients) != len(terms):
        raise ValueError(
            f"coefficients: expected {len(terms)} for {len(size)} spatial axes, "
            f"got {len(coefficients)}"
        )
    log_field = torch.zeros(size)
    for c, t in zip(coefficients, terms):
        log_field += c * t
    return torch.exp(log_field)


def sample_acquisition(
    site: str | Site, generator: torch.Generator, shape: tuple[int, ...]
) -> Acquisition:
    """Draw the parameters of one scan at ``site`` of a volume of ``shape``.

    The bias-field coefficients (``N(0, site.bias)`` each) and the unit noise
    field are drawn from ``generator``, in that order.

    Args:
        site: a key of :data:`SITES` or a :class:`Site`.
        generator: a CPU ``torch.Generator``; it is advanced.
        shape: spatial size of the anatomy, ``(H, W)`` or ``(D, H, W)``.

    Returns:
        An :class:`Acquisition` for :func:`render`.

    Raises:
        ValueError: for an unknown site.

    Example:
        >>> acq = sample_acquisition("C", torch.Generator().manual_seed(0), (8, 8))
        >>> acq.site, acq.gamma, len(acq.bias_coefficients)
        ('C', 1.5, 5)
    """
    site = resolve_site(site)
    n = len(shape)
    coefficients = tuple(
        site.bias * torch.randn((), generator=generator).item()
        for _ in range(n + n * (n + 1) // 2)
    )
    return Acquisition(
        site=site.name,
        gamma=site.gamma,
        gain=site.gain,
        blur=site.blur,
        bias_coefficients=coefficients,
        noise_std=site.noise,
        noise=torch.randn(tuple(shape), generator=generator),
    )


def render(anatomy: Anatomy, acquisition: Acquisition) -> torch.Tensor:
    """Image an anatomy with one scan's parameters; no randomness of its own.

    Args:
        anatomy: from :func:`medlearn.data.sample_anatomy`.
        acquisition: from :func:`sample_acquisition` for the anatomy's shape.

    Returns:
        The image ``(1, *spatial)``, float32.

    Raises:
        ValueError: if the acquisition's noise field has another shape.

    Example:
        >>> from medlearn.data import sample_anatomy
        >>> g = torch.Generator().manual_seed(0)
        >>> anatomy = sample_anatomy((16, 16), (1.0, 1.0), g)
        >>> acq = sample_acquisition("A", g, anatomy.shape)
        >>> torch.equal(render(anatomy, acq), render(anatomy, acq))
        True
    """
    if tuple(acquisition.noise.shape) != anatomy.shape:
        raise ValueError(
            f"acquisition: drawn for shape {tuple(acquisition.noise.shape)}, "
            f"the anatomy has {anatomy.shape}"
        )
    img = acquisition.gain * anatomy.tissue.clamp(min=0) ** acquisition.gamma
    img = gaussian_blur(img, acquisition.blur)
    field_ = bias_field(anatomy.shape, anatomy.spacing, acquisition.bias_coefficients)
    img = img * field_
    return (img + acquisition.noise_std * acquisition.noise).float()[None]
