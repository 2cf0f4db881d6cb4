"""Intensity augmentation: gamma, contrast and brightness (noise: :mod:`~medlearn.augment.noise`).

These change pixel values and leave coordinates alone, so a mask passes
through unchanged. Each comes as a deterministic function of explicit
parameters and a ``Random...`` class that samples those parameters from a
generator (``sample``) and applies them (``apply``); the bias field lives in
:mod:`medlearn.augment.bias`.

References and their conventions, which the tests check:

* gamma as TorchIO 1.2.1's ``RandomGamma``: ``gamma = exp(beta)``,
  ``beta ~ U(a, b)``, applied as ``sign(x) |x|^gamma`` (TorchIO draws one
  gamma per channel; here one per image, shared by its channels);
* contrast as MONAI 1.6.1's ``ScaleIntensityFixedMean``
  (``factor = contrast - 1``, per channel, the mean kept) and brightness as
  ``ShiftIntensity``.

See chapter 06 (augmentation).
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor

from medlearn.augment._common import (
    IntensityTransform,
    Params,
    image_and_values,
    parse_range,
    per_sample,
    unbatch,
    uniform,
    values_per_image,
)

__all__ = [
    "adjust_gamma",
    "adjust_contrast_brightness",
    "GammaParams",
    "ContrastBrightnessParams",
    "RandomGamma",
    "RandomContrastBrightness",
]


def adjust_gamma(image: Tensor, gamma: float | Tensor) -> Tensor:
    """Raise intensities to the power ``gamma``, keeping their sign.

    ``sign(x) |x|^gamma``, as TorchIO's ``Gamma`` (identical to ``x^gamma`` when
    every value is non-negative).

    Args:
        image: ``(C, *spatial)``, or ``(N, C, *spatial)`` with ``(N,)`` gammas.
        gamma: the exponent, > 0: a number, or ``(N,)``, one per image.

    Returns:
        Tensor of the shape and dtype of ``image``.

    Raises:
        TypeError: if ``image`` is not floating point.
        ValueError: if a gamma is not positive or the shapes do not fit.

    Example:
        >>> adjust_gamma(torch.tensor([[[-4.0, 0.0, 9.0]]]), 0.5)
        tensor([[[-2.,  0.,  3.]]])
    """
    x, g, batched = image_and_values(image, gamma, "gamma")
    if not bool((g > 0).all()):
        raise ValueError(f"gamma: expected values > 0, got {g.tolist()}")
    out = x.sign() * x.abs() ** per_sample(g, x)
    return out if batched else out[0]


def adjust_contrast_brightness(
    image: Tensor, contrast: float | Tensor = 1.0, brightness: float | Tensor = 0.0
) -> Tensor:
    """Stretch intensities about each channel's mean, then shift them.

    ``contrast * (x - mean) + mean + brightness``, the mean taken per image and
    channel over the spatial axes.

    Args:
        image: ``(C, *spatial)``, or ``(N, C, *spatial)`` with ``(N,)`` values.
        contrast: factor about the mean (1 = unchanged). Defaults to 1.0.
        brightness: added offset, in intensity units. Defaults to 0.0.

    Returns:
        Tensor of the shape and dtype of ``image``.

    Raises:
        TypeError: if ``image`` is not floating point.
        ValueError: if the shapes do not fit.

    Example:
        >>> adjust_contrast_brightness(torch.tensor([[[0.0, 1.0, 2.0]]]), 2.0, 0.5)
        tensor([[[-0.5000,  1.5000,  3.5000]]])
    """
    x, c, batched = image_and_values(image, contrast, "contrast")
    b = values_per_image(image, brightness, "brightness", batched=batched)
    mean = x.mean(dim=tuple(range(2, x.ndim)), keepdim=True)  # (N, C, 1, ...)
    out = per_sample(c, x) * (x - mean) + mean + per_sample(b, x)
    return out if batched else out[0]


# ------------------------------------------------------------------ records
@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class GammaParams(Params):
    """A sampled gamma: ``gamma`` ``()`` or ``(N,)``."""

    gamma: Tensor

    def _lead(self) -> Tensor:
        return self.gamma


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ContrastBrightnessParams(Params):
    """Sampled ``contrast`` and ``brightness``, ``()`` or ``(N,)`` each."""

    contrast: Tensor
    brightness: Tensor

    def _lead(self) -> Tensor:
        return self.contrast


# ---------------------------------------------------------- random classes
class RandomGamma(IntensityTransform):
    """Random gamma, as TorchIO's ``RandomGamma``: ``gamma = exp(beta)``.

    Args:
        log_gamma: ``d`` for ``beta ~ U(-d, d)``, or a range ``(a, b)``.
            Defaults to 0.3 (TorchIO's default: gamma in [0.74, 1.35]).

    Example:
        >>> t = RandomGamma()
        >>> p = t.sample((8, 8), generator=0)
        >>> 0.74 < p.gamma.item() < 1.35
        True
    """

    def __init__(self, log_gamma: float | tuple[float, float] = 0.3) -> None:
        self.log_gamma = parse_range(log_gamma, "log_gamma")

    def _draw(self, g: torch.Generator, n: int, batch_size: int | None) -> GammaParams:
        beta = uniform(g, *self.log_gamma, (n,))
        return GammaParams(unbatch(torch.exp(beta), batch_size))

    def _function(self, params: GammaParams, image: Tensor) -> Tensor:
        return adjust_gamma(image, params.gamma)


class RandomContrastBrightness(IntensityTransform):
    """Random contrast about the mean, then a random brightness offset.

    Args:
        contrast: range of the contrast factor, or ``c`` for ``U(1 - c, 1 + c)``.
            Defaults to (0.75, 1.25) (nnU-Net's contrast range).
        brightness: ``b`` for an offset ``U(-b, b)`` or a range. Defaults to 0.1.

    Example:
        >>> t = RandomContrastBrightness()
        >>> p = t.sample((8, 8), 0, batch_size=3)
        >>> p.contrast.shape, p.batch_size
        (torch.Size([3]), 3)
    """

    def __init__(
        self,
        contrast: float | tuple[float, float] = (0.75, 1.25),
        brightness: float | tuple[float, float] = 0.1,
    ) -> None:
        self.contrast = parse_range(contrast, "contrast", around=1.0)
        self.brightness = parse_range(brightness, "brightness")

    def _draw(
        self, g: torch.Generator, n: int, batch_size: int | None
    ) -> ContrastBrightnessParams:
        c = unbatch(uniform(g, *self.contrast, (n,)), batch_size)
        b = unbatch(uniform(g, *self.brightness, (n,)), batch_size)
        return ContrastBrightnessParams(c, b)

    def _function(self, params: ContrastBrightnessParams, image: Tensor) -> Tensor:
        return adjust_contrast_brightness(image, params.contrast, params.brightness)
