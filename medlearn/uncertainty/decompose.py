"""Splitting predictive uncertainty into its aleatoric and epistemic parts.

Given ``T`` samples of a model's prediction (MC dropout passes or ensemble
members), stacked along the first axis:

* regression, means and variances ``(T, N, ...)``: by the law of total
  variance, the variance of the predictive mixture is
  ``Var[y] = E_t[sigma_t^2] + Var_t[mu_t]`` = aleatoric + epistemic, both
  averages over the ``T`` samples (a population variance, not ``T - 1``);
* classification, probabilities ``(T, N, C, ...)``: the entropy of the mean
  prediction = the mean entropy of the samples (aleatoric) + the mutual
  information between the label and the model (epistemic), in nats.

See chapter 08 (uncertainty).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

__all__ = [
    "VarianceDecomposition",
    "EntropyDecomposition",
    "decompose_variance",
    "decompose_entropy",
]


class VarianceDecomposition(NamedTuple):
    """Predictive variance, ``total = aleatoric + epistemic``, each ``(N, ...)``."""

    total: Tensor
    aleatoric: Tensor
    epistemic: Tensor


class EntropyDecomposition(NamedTuple):
    """Predictive entropy in nats, ``total = aleatoric + epistemic``, each ``(N, ...)``."""

    total: Tensor
    aleatoric: Tensor
    epistemic: Tensor


def _check_samples(name: str, x: Tensor, min_dims: int, layout: str) -> None:
    if not isinstance(x, Tensor) or not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {x!r}")
    if x.dim() < min_dims or x.shape[0] < 1:
        raise ValueError(
            f"{name} must have the samples first, {layout}, got shape {tuple(x.shape)}"
        )


def decompose_variance(
    means: Tensor, variances: Tensor | None = None
) -> VarianceDecomposition:
    """Law of total variance over ``T`` predictive samples.

    ``aleatoric = mean_t sigma_t^2`` (the noise the model expects),
    ``epistemic = mean_t (mu_t - mean_t mu_t)^2`` (how much the sampled models
    disagree), ``total = aleatoric + epistemic``: the variance of the equally
    weighted mixture of the ``T`` predictive distributions.

    Args:
        means: predicted means ``(T, N, ...)``.
        variances: predicted variances (not log-variances) of the same shape.
            Defaults to None (a model without a variance head: aleatoric is 0).

    Returns:
        ``VarianceDecomposition(total, aleatoric, epistemic)``, each ``(N, ...)``.

    Raises:
        TypeError: if an input is not a floating-point tensor.
        ValueError: on a shape mismatch or a negative variance.

    Example:
        >>> means = torch.tensor([[0.0], [2.0]])  # (T=2, N=1)
        >>> decompose_variance(means, torch.tensor([[1.0], [3.0]])).total
        tensor([3.])

    See chapter 08 (uncertainty).
    """
    _check_samples("means", means, 2, "(T, N, ...)")
    if variances is None:
        variances = torch.zeros_like(means)
    _check_samples("variances", variances, 2, "(T, N, ...)")
    if variances.shape != means.shape:
        raise ValueError(
            f"variances must have the shape of means {tuple(means.shape)}, "
            f"got {tuple(variances.shape)}"
        )
    if variances.numel() and variances.min() < 0:
        raise ValueError(
            "variances must be >= 0 (pass exp(log_var), not a log-variance), "
            f"got a minimum of {variances.min().item():.4g}"
        )
    aleatoric = variances.mean(dim=0)  # (N, ...)
    epistemic = means.var(dim=0, correction=0)  # (N, ...)
    return VarianceDecomposition(aleatoric + epistemic, aleatoric, epistemic)


def decompose_entropy(probs: Tensor, *, atol: float = 1e-3) -> EntropyDecomposition:
    """Entropy decomposition over ``T`` sampled class distributions, per pixel.

    ``total = H[mean_t p_t]``, ``aleatoric = mean_t H[p_t]`` (expected entropy:
    every sampled model itself is unsure), ``epistemic = total - aleatoric``
    (the mutual information: the sampled models are each sure but disagree).
    Natural logarithm, ``0 log 0 = 0``.

    Args:
        probs: class probabilities ``(T, N, C, ...)``, summing to 1 over ``C``.
        atol: tolerance on that sum. Defaults to 1e-3.

    Returns:
        ``EntropyDecomposition(total, aleatoric, epistemic)``, each ``(N, ...)``
        in nats; ``total <= log C``.

    Raises:
        TypeError: if ``probs`` is not a floating-point tensor.
        ValueError: if ``probs`` has fewer than 3 dims, ``C < 2``, or is not a
            distribution over ``C`` (e.g. logits were passed).

    Example:
        >>> probs = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])  # (T=2, N=1, C=2)
        >>> decompose_entropy(probs).epistemic  # two sure models that disagree
        tensor([0.6931])

    See chapter 08 (uncertainty).
    """
    _check_samples("probs", probs, 3, "(T, N, C, ...)")
    if probs.shape[2] < 2:
        raise ValueError(
            f"probs needs C >= 2 classes on dim 2, got {tuple(probs.shape)}"
        )
    if probs.numel():
        sums = probs.sum(dim=2)  # (T, N, ...)
        if probs.min() < 0 or (sums - 1).abs().max() > atol:
            raise ValueError(
                "probs must be probabilities summing to 1 over dim 2 (apply softmax "
                f"to logits first), got values in [{probs.min().item():.4g}, "
                f"{probs.max().item():.4g}] and sums in [{sums.min().item():.4g}, "
                f"{sums.max().item():.4g}]"
            )
    mean_probs = probs.mean(dim=0)  # (N, C, ...)
    total = torch.special.entr(mean_probs).sum(dim=1)  # (N, ...)
    aleatoric = torch.special.entr(probs).sum(dim=2).mean(dim=0)  # (N, ...)
    return EntropyDecomposition(total, aleatoric, total - aleatoric)
