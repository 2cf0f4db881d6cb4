"""Intensity augmentation: gamma, Gaussian and Rician noise, contrast and brightness.

These change pixel values and leave coordinates alone, so a mask passes
through unchanged. Each comes as a deterministic function of explicit
parameters and a ``Random...`` class that samples those parameters from a
generator (``sample``) and applies them (``apply``); the bias field lives in
:mod:`medlearn.augment.bias`.

References and their conventions, which the tests check:

* gamma as TorchIO 1.2.1's ``RandomGamma``: ``gamma = exp(beta)``,
  ``beta ~ U(a, b)``, applied as ``sign(x) |x|^gamma`` (TorchIO draws one
  gamma per channel; here one per image, shared by its channels);
* Gaussian noise as TorchIO's ``Noise(mean, std, seed)``: the noise is
  ``torch.randn`` after ``manual_seed(seed)``, times ``std``, plus ``mean``
  (TorchIO fills its ``(C, W, H, D)`` tensor, medlearn ``(C, D, H, W)``, so the
  same seed gives the same numbers in memory order, not at the same voxel);
* Rician noise as MONAI 1.6.1's ``RandRicianNoise``: the magnitude
  ``sqrt((x + n1)^2 + n2^2)`` of a complex signal with Gaussian noise
  ``n1, n2 ~ N(0, std^2)`` on both parts (Gudbjartsson and Patz, 1995);
* contrast as MONAI's ``ScaleIntensityFixedMean`` (``factor = contrast - 1``,
  per channel, the mean kept) and brightness as ``ShiftIntensity``.

See chapter 06 (augmentation).
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import Tensor

from medlearn.augment._common import (
    Params,
    as_generator,
    check_image,
    check_spatial_shape,
    parse_batch_size,
    parse_range,
    per_sample,
    unbatch,
    uniform,
)

__all__ = [
    "adjust_gamma",
    "add_gaussian_noise",
    "add_rician_noise",
    "adjust_contrast_brightness",
    "GammaParams",
    "NoiseParams",
    "ContrastBrightnessParams",
    "RandomGamma",
    "RandomGaussianNoise",
    "RandomRicianNoise",
    "RandomContrastBrightness",
]


def _values(x: Tensor, values, name: str, batched: bool) -> Tensor:
    """One value per image: a number or ``(N,)`` for a batch ``(N, C, ...)``."""
    v = torch.as_tensor(values, dtype=torch.float64).cpu()
    n = x.shape[0] if batched else None
    if (n is None and v.ndim != 0) or (n is not None and v.shape not in ((), (n,))):
        raise ValueError(
            f"{name}: expected a number{f' or ({n},)' if n else ''} for an image "
            f"of shape {tuple(x.shape)}, got shape {tuple(v.shape)}"
        )
    return v.expand(n) if n is not None else v.reshape(1)


def _image(image: Tensor, values, name: str) -> tuple[Tensor, Tensor, bool]:
    """``image`` as ``(N, C, *spatial)``, and ``(N,)`` parameter values."""
    check_image(image)
    v = torch.as_tensor(values)
    batched = v.ndim == 1
    if image.ndim - batched not in (3, 4):
        raise ValueError(
            f"image: expected (C, *spatial) or (N, C, *spatial) with 2 or 3 "
            f"spatial axes, got shape {tuple(image.shape)}"
        )
    x = image if batched else image[None]
    return x, _values(image, values, name, batched), batched


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
    x, g, batched = _image(image, gamma, "gamma")
    if not bool((g > 0).all()):
        raise ValueError(f"gamma: expected values > 0, got {g.tolist()}")
    out = x.sign() * x.abs() ** per_sample(g, x)
    return out if batched else out[0]


def _normal(shape: tuple[int, ...], seed: int) -> Tensor:
    """``torch.randn(shape)`` after ``manual_seed(seed)``, without global state."""
    return torch.randn(shape, generator=torch.Generator().manual_seed(int(seed)))


def _seeds(seed, n: int, batched: bool) -> list[int]:
    """The noise seeds: an int for one image, ``N`` ints for a batch."""
    ok = isinstance(seed, int) and not batched
    if batched and isinstance(seed, (tuple, list)) and len(seed) == n:
        ok = all(isinstance(s, int) for s in seed)
    if not ok:
        want = f"a sequence of {n} ints (one per image)" if batched else "an int"
        raise ValueError(f"seed: expected {want}, got {seed!r}")
    return list(seed) if batched else [seed]


def add_gaussian_noise(
    image: Tensor, std: float | Tensor, mean: float | Tensor = 0.0, seed: int = 0
) -> Tensor:
    """Add Gaussian noise ``N(mean, std^2)``, reproducible from ``seed``.

    The noise is drawn on the CPU (so CPU and CUDA give the same numbers) and
    moved to ``image``'s device.

    Args:
        image: ``(C, *spatial)``, or ``(N, C, *spatial)`` with ``(N,)`` values.
        std: standard deviation, >= 0, a number or one per image.
        mean: mean of the noise. Defaults to 0.0.
        seed: seed of the noise, an int or (batch) a sequence of ``N`` ints.
            Defaults to 0.

    Returns:
        ``image + noise``, shape and dtype of ``image``.

    Raises:
        TypeError: if ``image`` is not floating point.
        ValueError: if ``std`` is negative or the shapes do not fit.

    Example:
        >>> x = torch.zeros(1, 64, 64)
        >>> round(add_gaussian_noise(x, std=0.1, seed=0).std().item(), 2)
        0.1
    """
    x, s, batched = _image(image, std, "std")
    m = _values(image, mean, "mean", batched)
    if not bool((s >= 0).all()):
        raise ValueError(f"std: expected values >= 0, got {s.tolist()}")
    seeds = _seeds(seed, x.shape[0], batched)
    noise = torch.stack([_normal(tuple(x.shape[1:]), k) for k in seeds])
    noise = noise.to(x.device, x.dtype) * per_sample(s, x) + per_sample(m, x)
    out = x + noise
    return out if batched else out[0]


def add_rician_noise(image: Tensor, std: float | Tensor, seed: int = 0) -> Tensor:
    """Magnitude of the image with complex Gaussian noise: Rician noise.

    ``sqrt((x + n1)^2 + n2^2)`` with ``n1, n2 ~ N(0, std^2)``, as MONAI's
    ``RicianNoise``: what a magnitude MR image shows, biased upwards where the
    signal is low (pure noise becomes Rayleigh distributed).

    Args:
        image: ``(C, *spatial)``, or ``(N, C, *spatial)`` with ``(N,)`` values.
        std: standard deviation of each Gaussian part, >= 0.
        seed: seed of the noise, an int or (batch) ``N`` ints. Defaults to 0.

    Returns:
        Non-negative tensor of the shape and dtype of ``image``.

    Raises:
        TypeError: if ``image`` is not floating point.
        ValueError: if ``std`` is negative or the shapes do not fit.

    Example:
        >>> y = add_rician_noise(torch.zeros(1, 64, 64), std=1.0, seed=0)
        >>> round(y.mean().item(), 1)  # Rayleigh mean: sqrt(pi / 2)
        1.3
    """
    x, s, batched = _image(image, std, "std")
    if not bool((s >= 0).all()):
        raise ValueError(f"std: expected values >= 0, got {s.tolist()}")
    seeds = _seeds(seed, x.shape[0], batched)
    n = torch.stack([_normal((2, *x.shape[1:]), k) for k in seeds])
    n = n.to(x.device, x.dtype) * per_sample(s, x)[:, None]  # (N, 2, C, *spatial)
    out = torch.sqrt((x + n[:, 0]) ** 2 + n[:, 1] ** 2)
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
    x, c, batched = _image(image, contrast, "contrast")
    b = _values(image, brightness, "brightness", batched)
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
class NoiseParams(Params):
    """Sampled noise: ``std`` and ``mean`` ``()`` or ``(N,)``, and the seeds."""

    std: Tensor
    mean: Tensor
    seed: int | tuple[int, ...]

    def _lead(self) -> Tensor:
        return self.std


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ContrastBrightnessParams(Params):
    """Sampled ``contrast`` and ``brightness``, ``()`` or ``(N,)`` each."""

    contrast: Tensor
    brightness: Tensor

    def _lead(self) -> Tensor:
        return self.contrast


# ---------------------------------------------------------- random classes
class _Intensity:
    """Base: ``sample`` draws the values, ``apply`` runs the function on them."""

    def sample(
        self,
        spatial_shape: tuple[int, ...],
        generator: torch.Generator | int,
        batch_size: int | None = None,
    ) -> Params:
        """Draw the parameters for one image, or for a batch of ``batch_size``.

        Args:
            spatial_shape: ``(H, W)`` or ``(D, H, W)`` of the images.
            generator: a ``torch.Generator`` or an int seed.
            batch_size: None for one ``(C, *spatial)`` image, ``N`` for a batch
                ``(N, C, *spatial)``. Defaults to None.

        Returns:
            The transform's record, tensors ``()`` (one image) or ``(N,)``.

        Raises:
            ValueError: if ``spatial_shape`` or ``batch_size`` is invalid.
        """
        check_spatial_shape(spatial_shape)
        g, n = as_generator(generator), parse_batch_size(batch_size)
        return self._draw(g, n, batch_size)

    def apply(
        self, params: Params, image: Tensor, mask: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """Apply sampled parameters to ``image``; ``mask`` is returned as is.

        Returns:
            ``(transformed image, mask)``.
        """
        return self._function(params, image), mask

    def _seeds(self, g: torch.Generator, n: int, batch_size: int | None):
        seeds = torch.randint(0, 2**31 - 1, (n,), generator=g, device=g.device)
        seeds = tuple(int(s) for s in seeds.tolist())
        return seeds[0] if batch_size is None else seeds


class RandomGamma(_Intensity):
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

    def _draw(self, g, n, batch_size) -> GammaParams:
        beta = uniform(g, *self.log_gamma, (n,))
        return GammaParams(unbatch(torch.exp(beta), batch_size))

    def _function(self, params: GammaParams, image: Tensor) -> Tensor:
        return adjust_gamma(image, params.gamma)


class RandomGaussianNoise(_Intensity):
    """Random Gaussian noise, as TorchIO's ``RandomNoise``.

    Args:
        mean: ``m`` for ``U(-m, m)`` or a range. Defaults to 0.0.
        std: ``s`` for ``U(0, s)`` or a range ``(a, b)``. Defaults to
            (0.0, 0.25) (TorchIO's default).

    Example:
        >>> t = RandomGaussianNoise(std=(0.1, 0.1))
        >>> image, _ = t.apply(t.sample((64, 64), 0), torch.zeros(1, 64, 64))
        >>> round(image.std().item(), 2)
        0.1
    """

    def __init__(
        self,
        mean: float | tuple[float, float] = 0.0,
        std: float | tuple[float, float] = (0.0, 0.25),
    ) -> None:
        self.mean = parse_range(mean, "mean")
        self.std = _std_range(std)

    def _draw(self, g, n, batch_size) -> NoiseParams:
        mean = unbatch(uniform(g, *self.mean, (n,)), batch_size)
        std = unbatch(uniform(g, *self.std, (n,)), batch_size)
        return NoiseParams(std, mean, self._seeds(g, n, batch_size))

    def _function(self, params: NoiseParams, image: Tensor) -> Tensor:
        return add_gaussian_noise(image, params.std, params.mean, params.seed)


class RandomRicianNoise(_Intensity):
    """Random Rician noise, as MONAI's ``RandRicianNoise`` (``sample_std=True``).

    Args:
        std: ``s`` for ``std ~ U(0, s)`` or a range ``(a, b)``. Defaults to
            (0.0, 0.25), the scale of TorchIO's Gaussian default.

    Example:
        >>> t = RandomRicianNoise()
        >>> image, _ = t.apply(t.sample((8, 8), 0), torch.ones(1, 8, 8))
        >>> bool((image >= 0).all())
        True
    """

    def __init__(self, std: float | tuple[float, float] = (0.0, 0.25)) -> None:
        self.std = _std_range(std)

    def _draw(self, g, n, batch_size) -> NoiseParams:
        std = unbatch(uniform(g, *self.std, (n,)), batch_size)
        return NoiseParams(std, torch.zeros_like(std), self._seeds(g, n, batch_size))

    def _function(self, params: NoiseParams, image: Tensor) -> Tensor:
        return add_rician_noise(image, params.std, params.seed)


class RandomContrastBrightness(_Intensity):
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

    def _draw(self, g, n, batch_size) -> ContrastBrightnessParams:
        c = unbatch(uniform(g, *self.contrast, (n,)), batch_size)
        b = unbatch(uniform(g, *self.brightness, (n,)), batch_size)
        return ContrastBrightnessParams(c, b)

    def _function(self, params: ContrastBrightnessParams, image: Tensor) -> Tensor:
        return adjust_contrast_brightness(image, params.contrast, params.brightness)


def _std_range(std) -> tuple[float, float]:
    if isinstance(std, (int, float)) and not isinstance(std, bool):
        std = (0.0, float(std))  # TorchIO: a single value s means U(0, s)
    low, high = parse_range(std, "std")
    if low < 0 or not math.isfinite(high):
        raise ValueError(f"std: expected a finite range within [0, inf), got {std!r}")
    return low, high
