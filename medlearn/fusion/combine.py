"""The functional core of fusion: early and late fusion, missing modalities.

See chapter 10 (applications).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = [
    "early_fuse",
    "late_fuse",
    "sample_missing",
]


def _check_inputs(image: Tensor, tabular: Tensor, missing: Tensor | None) -> None:
    for name, x, dims in (("image", image, 4), ("tabular", tabular, 2)):
        if not isinstance(x, Tensor) or not x.is_floating_point():
            got = x.dtype if isinstance(x, Tensor) else type(x).__name__
            raise TypeError(f"{name} must be a floating-point tensor, got {got}")
        if x.dim() != dims:
            want = "(N, C, H, W)" if dims == 4 else "(N, F)"
            raise ValueError(f"{name} must have shape {want}, got {tuple(x.shape)}")
    if image.shape[0] != tabular.shape[0]:
        raise ValueError(
            f"image and tabular must hold the same N samples, got {image.shape[0]} "
            f"and {tabular.shape[0]}"
        )
    if missing is not None:
        _check_missing(missing, image.shape[0], 2)


def _check_missing(missing: Tensor, n: int, m: int) -> None:
    if not isinstance(missing, Tensor) or missing.dtype != torch.bool:
        raise TypeError(f"missing must be a bool tensor, got {missing!r}")
    if tuple(missing.shape) != (n, m):
        raise ValueError(
            f"missing must have shape (N, M) = ({n}, {m}), got {tuple(missing.shape)}"
        )
    if missing.all(1).any():
        raise ValueError("every sample needs at least one modality present")


def _check_sizes(**sizes: int) -> None:
    bad = {k: v for k, v in sizes.items() if not isinstance(v, int) or v < 1}
    if bad:
        raise ValueError(f"sizes must be positive ints, got {bad}")


def _fill_missing(x: Tensor, missing: Tensor | None) -> Tensor:
    """Zero (mean-impute, for standardised inputs) the samples where missing."""
    if missing is None:
        return x
    keep = ~missing.to(x.device).view(-1, *([1] * (x.dim() - 1)))  # (N, 1, ...)
    return torch.where(keep, x, torch.zeros((), dtype=x.dtype, device=x.device))


def _check_probabilities(stacked: Tensor, present: Tensor) -> None:
    """Every present row of ``stacked (M, N[, K])`` is a probability (vector)."""
    in_range = (stacked >= 0) & (stacked <= 1)  # False for NaN
    if stacked.dim() == 3:
        in_range = in_range.all(-1)  # (M, N)
    if not in_range[present].all():
        raise ValueError("probabilities must lie in [0, 1] (got logits?)")
    if stacked.dim() == 3:
        sums_to_one = (stacked.sum(-1) - 1).abs() <= 1e-4  # (M, N)
        if not sums_to_one[present].all():
            raise ValueError("probability rows must sum to 1 (softmax them first)")


def early_fuse(image: Tensor, tabular: Tensor) -> Tensor:
    """Concatenate inputs: tile each feature as a constant image channel.

    Args:
        image: images ``(N, C, H, W)``.
        tabular: features ``(N, F)``.

    Returns:
        Tensor ``(N, C + F, H, W)``: the image channels, then one channel per
        feature holding its value everywhere.

    Raises:
        TypeError: if an input is not floating point.
        ValueError: on bad shapes or different ``N``.

    Example:
        >>> out = early_fuse(torch.zeros(2, 1, 3, 3), torch.tensor([[1.0], [2.0]]))
        >>> tuple(out.shape), out[1, 1].unique().item()
        ((2, 2, 3, 3), 2.0)

    See chapter 10 (applications).
    """
    _check_inputs(image, tabular, None)
    N, C, H, W = image.shape
    tiles = tabular[:, :, None, None].expand(N, tabular.shape[1], H, W)  # (N, F, H, W)
    return torch.cat([image, tiles.to(image.dtype)], dim=1)  # (N, C + F, H, W)


def late_fuse(
    probabilities: Sequence[Tensor],
    weights: Sequence[float] | None = None,
    missing: Tensor | None = None,
) -> Tensor:
    """Combine models' predicted probabilities by a weighted mean.

    ``p = sum_m w_m p_m / sum_m w_m`` over the modalities present in each sample
    (weights renormalised where one is missing). Probabilities, not logits: the
    mean of logits is a different (geometric-mean) rule.

    Args:
        probabilities: M tensors ``(N, K)`` whose rows sum to 1, or ``(N,)``
            positive-class probabilities.
        weights: M non-negative weights. Defaults to None (equal).
        missing: bool ``(N, M)``, True where modality ``m`` is absent. Defaults
            to None (all present).

    Returns:
        Tensor of the shape of each ``probabilities[m]``.

    Raises:
        TypeError: if ``missing`` is not bool.
        ValueError: on mismatched shapes, values outside [0, 1], rows not summing
            to 1, bad weights or a sample with no modality.

    Example:
        >>> p1, p2 = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.5, 0.5]])
        >>> late_fuse([p1, p2]).tolist()
        [[0.75, 0.25]]
        >>> late_fuse([p1, p2], missing=torch.tensor([[False, True]])).tolist()
        [[1.0, 0.0]]

    See chapter 10 (applications).
    """
    if len(probabilities) < 1:
        raise ValueError("probabilities must hold at least one tensor")
    shape = probabilities[0].shape
    for p in probabilities:
        if not isinstance(p, Tensor) or p.shape != shape or p.dim() not in (1, 2):
            raise ValueError(f"probabilities must all be (N,) or (N, K) like {shape}")
    M, N = len(probabilities), shape[0]
    w = (
        torch.ones(M)
        if weights is None
        else torch.as_tensor(weights, dtype=torch.float)
    )
    if w.shape != (M,) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights must be {M} non-negative numbers, got {weights!r}")
    stacked = torch.stack(probabilities)  # (M, N[, K])
    present = torch.ones(M, N, dtype=torch.bool, device=stacked.device)
    if missing is not None:
        _check_missing(missing, N, M)
        present = ~missing.T.to(stacked.device)  # (M, N)
    _check_probabilities(stacked, present)
    w = w.to(stacked).view(M, 1) * present  # (M, N)
    if (w.sum(0) == 0).any():
        raise ValueError("every sample needs a present modality of weight > 0")
    w = (w / w.sum(0, keepdim=True)).view(M, N, *([1] * (stacked.dim() - 2)))
    return torch.where(w > 0, w * stacked, 0.0).sum(0)  # a missing NaN stays out


def sample_missing(
    n: int,
    p: float,
    num_modalities: int = 2,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Modality dropout: which modalities to hide from each training sample.

    Each modality is dropped with probability ``p`` independently; where that
    would drop all of them, one drawn uniformly is kept, so each modality is
    missing at the rate ``p - p**M / M``.

    Args:
        n: number of samples.
        p: drop probability per modality, in [0, 1].
        num_modalities: M. Defaults to 2 (image, tabular).
        generator: source of randomness; the result is made on its device.
            Defaults to None (the global generator, on the CPU).

    Returns:
        Bool tensor ``(n, M)``, True where missing; never a row of all True.

    Raises:
        ValueError: if ``p`` is outside [0, 1] or a count is below 1.

    Example:
        >>> m = sample_missing(1000, 0.5, generator=torch.Generator().manual_seed(0))
        >>> tuple(m.shape), bool(m.all(1).any())
        ((1000, 2), False)

    See chapter 10 (applications).
    """
    if not 0 <= p <= 1:
        raise ValueError(f"p must be in [0, 1], got {p!r}")
    if n < 1 or num_modalities < 1:
        raise ValueError(
            f"n and num_modalities must be >= 1, got {n}, {num_modalities}"
        )
    device = generator.device if generator is not None else None
    missing = torch.rand(n, num_modalities, generator=generator, device=device) < p
    keep = torch.randint(num_modalities, (n,), generator=generator, device=device)
    rows = missing.all(1).nonzero().flatten()
    missing[rows, keep[rows]] = False
    return missing
