"""Super-resolution along the slice axis: thick slices, the trilinear baseline, a CNN.

See chapter 10 (applications).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from medlearn._helpers import check_positive_int
from medlearn.enhance.filters import _check_float

__all__ = [
    "thick_slices",
    "trilinear_upsample",
    "SliceSuperResolution",
]


def _check_volume(x: Tensor, factor: int) -> None:
    _check_float(x, "x", 0)
    if x.dim() != 5:
        raise ValueError(f"x must have shape (N, C, D, H, W), got {tuple(x.shape)}")
    check_positive_int("factor", factor)


def thick_slices(x: Tensor, factor: int) -> Tensor:
    """Simulate thick slices: average each run of ``factor`` thin slices along z.

    A box slice profile: thick slice ``i`` is the mean of thin slices
    ``factor * i .. factor * i + factor - 1``, so its spacing along z grows
    ``factor`` times (multiply the z spacing in mm by ``factor``).

    Args:
        x: volume ``(N, C, D, H, W)``, ``D`` divisible by ``factor``.
        factor: slices per thick slice.

    Returns:
        Tensor ``(N, C, D // factor, H, W)``.

    Raises:
        TypeError: if ``x`` is not floating point.
        ValueError: on a bad shape or factor, or if ``D % factor != 0``.

    Example:
        >>> import torch
        >>> x = torch.arange(4.0).view(1, 1, 4, 1, 1)
        >>> thick_slices(x, 2).flatten().tolist()
        [0.5, 2.5]

    See chapter 10 (applications).
    """
    _check_volume(x, factor)
    N, C, D, H, W = x.shape
    if D % factor:
        raise ValueError(f"D = {D} slices must be divisible by factor {factor}")
    return x.reshape(N, C, D // factor, factor, H, W).mean(3)  # (N, C, D/f, H, W)


def trilinear_upsample(x: Tensor, factor: int) -> Tensor:
    """Upsample along z by linear interpolation: the super-resolution baseline.

    ``F.interpolate(mode="trilinear", align_corners=False)`` to
    ``(factor * D, H, W)``: in-plane the grid is unchanged, along z a thin slice
    ``j`` sits at thick coordinate ``(j + 0.5) / factor - 0.5``, the centre
    convention of :func:`thick_slices`; the ends repeat the edge slices.

    Args:
        x: volume ``(N, C, D, H, W)``.
        factor: slices per thick slice.

    Returns:
        Tensor ``(N, C, factor * D, H, W)``.

    Raises:
        TypeError: if ``x`` is not floating point.
        ValueError: on a bad shape or factor.

    Example:
        >>> import torch
        >>> x = torch.tensor([0.0, 2.0]).view(1, 1, 2, 1, 1)
        >>> trilinear_upsample(x, 2).flatten().tolist()
        [0.0, 0.5, 1.5, 2.0]

    See chapter 10 (applications).
    """
    _check_volume(x, factor)
    N, C, D, H, W = x.shape
    return F.interpolate(
        x, size=(factor * D, H, W), mode="trilinear", align_corners=False
    )


class SliceSuperResolution(nn.Module):
    """Thick slices -> thin: trilinear upsampling plus a learned 3D correction.

    ``trilinear_upsample(x) + body(trilinear_upsample(x))`` with a small 3D CNN
    whose last layer starts at zero, so the untrained network is exactly the
    trilinear baseline and training learns only what interpolation misses.
    What it adds is a prior learned from training volumes, not a measurement.

    Args:
        factor: slices per thick slice. Defaults to 2.
        in_channels: image channels. Defaults to 1.
        channels: feature channels. Defaults to 16.
        num_layers: 3D convolutions (>= 2). Defaults to 4.

    Raises:
        ValueError: if a size is out of range.

    Example:
        >>> import torch
        >>> net = SliceSuperResolution(factor=2, channels=4, num_layers=2)
        >>> x = torch.randn(1, 1, 4, 8, 8)
        >>> torch.equal(net(x), trilinear_upsample(x, 2))  # untrained: the baseline
        True

    See chapter 10 (applications).
    """

    def __init__(
        self,
        factor: int = 2,
        in_channels: int = 1,
        channels: int = 16,
        num_layers: int = 4,
    ) -> None:
        super().__init__()
        if min(factor, in_channels, channels) < 1 or num_layers < 2:
            raise ValueError(
                "factor, in_channels and channels must be >= 1 and num_layers >= 2, "
                f"got {factor}, {in_channels}, {channels} and {num_layers}"
            )
        self.factor = factor
        layers: list[nn.Module] = []
        width = in_channels
        for _ in range(num_layers - 1):
            layers += [nn.Conv3d(width, channels, 3, padding=1), nn.ReLU()]
            width = channels
        layers.append(nn.Conv3d(width, in_channels, 3, padding=1))
        nn.init.zeros_(layers[-1].weight)
        nn.init.zeros_(layers[-1].bias)
        self.body = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """Map ``(N, C, D, H, W)`` to ``(N, C, factor * D, H, W)``."""
        base = trilinear_upsample(x, self.factor)  # (N, C, f * D, H, W)
        return base + self.body(base)
