"""Noise: Gaussian (TorchIO's ``Noise``) and Rician (MONAI's ``RicianNoise``).

The noise is a deterministic function of a seed kept in the record: it is
``torch.randn`` on the CPU after ``manual_seed(seed)`` (TorchIO's ``Noise``
does the same with the global generator), moved to the image's device, so a
record replays the same noise on the CPU and on a GPU. TorchIO fills a
``(C, W, H, D)`` tensor and medlearn a ``(C, D, H, W)`` one, so the same seed
gives the same numbers in memory order, not at the same voxel.

Rician noise is the magnitude ``sqrt((x + n1)^2 + n2^2)`` of a complex signal
with Gaussian noise ``n1, n2 ~ N(0, std^2)`` on both parts, as MONAI 1.6.1's
``RandRicianNoise`` and Gudbjartsson and Patz (1995): a magnitude MR image is
biased upwards where the signal is low, and pure noise is Rayleigh distributed.

See chapter 06 (augmentation).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

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
    "add_gaussian_noise",
    "add_rician_noise",
    "NoiseParams",
    "RandomGaussianNoise",
    "RandomRicianNoise",
]


def _normal(shape: tuple[int, ...], seed: int) -> Tensor:
    """``torch.randn(shape)`` after ``manual_seed(seed)``, without global state."""
    return torch.randn(shape, generator=torch.Generator().manual_seed(int(seed)))


def _seeds(seed: object, n: int, *, batched: bool) -> list[int]:
    """The noise seeds: an int for one image, ``N`` ints for a batch."""
    ok = isinstance(seed, int) and not batched
    if batched and isinstance(seed, (tuple, list)) and len(seed) == n:
        ok = all(isinstance(s, int) for s in seed)
    if not ok:
        want = f"a sequence of {n} ints (one per image)" if batched else "an int"
        raise ValueError(f"seed: expected {want}, got {seed!r}")
    return list(seed) if batched else [seed]


def add_gaussian_noise(
    image: Tensor,
    std: float | Tensor,
    mean: float | Tensor = 0.0,
    seed: int | Sequence[int] = 0,
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
    x, s, batched = image_and_values(image, std, "std")
    m = values_per_image(image, mean, "mean", batched=batched)
    if not bool((s >= 0).all()):
        raise ValueError(f"std: expected values >= 0, got {s.tolist()}")
    seeds = _seeds(seed, x.shape[0], batched=batched)
    noise = torch.stack([_normal(tuple(x.shape[1:]), k) for k in seeds])
    noise = noise.to(x.device, x.dtype) * per_sample(s, x) + per_sample(m, x)
    out = x + noise
    return out if batched else out[0]


def add_rician_noise(
    image: Tensor, std: float | Tensor, seed: int | Sequence[int] = 0
) -> Tensor:
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
    x, s, batched = image_and_values(image, std, "std")
    if not bool((s >= 0).all()):
        raise ValueError(f"std: expected values >= 0, got {s.tolist()}")
    seeds = _seeds(seed, x.shape[0], batched=batched)
    n = torch.stack([_normal((2, *x.shape[1:]), k) for k in seeds])
    n = n.to(x.device, x.dtype) * per_sample(s, x)[:, None]  # (N, 2, C, *spatial)
    out = torch.sqrt((x + n[:, 0]) ** 2 + n[:, 1] ** 2)
    return out if batched else out[0]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class NoiseParams(Params):
    """Sampled noise: ``std`` and ``mean`` ``()`` or ``(N,)``, and the seeds."""

    std: Tensor
    mean: Tensor
    seed: int | tuple[int, ...]

    _per_sample_tuples = ("seed",)

    def _lead(self) -> Tensor:
        return self.std


class RandomGaussianNoise(IntensityTransform):
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

    def _draw(self, g: torch.Generator, n: int, batch_size: int | None) -> NoiseParams:
        mean = unbatch(uniform(g, *self.mean, (n,)), batch_size)
        std = unbatch(uniform(g, *self.std, (n,)), batch_size)
        return NoiseParams(std, mean, self._seeds(g, n, batch_size))

    def _function(self, params: NoiseParams, image: Tensor) -> Tensor:
        return add_gaussian_noise(image, params.std, params.mean, params.seed)


class RandomRicianNoise(IntensityTransform):
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

    def _draw(self, g: torch.Generator, n: int, batch_size: int | None) -> NoiseParams:
        std = unbatch(uniform(g, *self.std, (n,)), batch_size)
        return NoiseParams(std, torch.zeros_like(std), self._seeds(g, n, batch_size))

    def _function(self, params: NoiseParams, image: Tensor) -> Tensor:
        return add_rician_noise(image, params.std, params.seed)


def _std_range(std: float | tuple[float, float]) -> tuple[float, float]:
    if isinstance(std, (int, float)) and not isinstance(std, bool):
        std = (0.0, float(std))  # TorchIO: a single value s means U(0, s)
    low, high = parse_range(std, "std")
    if low < 0 or not math.isfinite(high):
        raise ValueError(f"std: expected a finite range within [0, inf), got {std!r}")
    return low, high
