"""Aleatoric uncertainty: a network that predicts its own error bar.

A heteroscedastic model outputs, for every target, a mean and a log-variance
``s = log sigma^2``. Trained with the Gaussian negative log-likelihood of Kendall &
Gal (2017), it learns a large ``sigma`` where the data are noisy or ambiguous,
without ever being shown the noise. For segmentation the variance lives on the
logits: they are sampled ``T`` times and the softmax likelihood averaged.

See chapter 08 (uncertainty).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medlearn._helpers import check_choice, check_reduction, reduce

__all__ = [
    "HeteroscedasticHead",
    "heteroscedastic_loss",
    "sample_logits",
    "heteroscedastic_segmentation_loss",
]


def _check_log_var(log_var: Tensor, like: Tensor, like_name: str) -> None:
    if not isinstance(log_var, Tensor) or not log_var.is_floating_point():
        raise TypeError(f"log_var must be a floating-point tensor, got {log_var!r}")
    try:
        shape = torch.broadcast_shapes(log_var.shape, like.shape)
    except RuntimeError:
        shape = None
    if shape != like.shape:
        raise ValueError(
            f"log_var must broadcast to the shape of {like_name} {tuple(like.shape)}, "
            f"got {tuple(log_var.shape)}"
        )


class HeteroscedasticHead(nn.Module):
    """Predict a mean and a log-variance for every output (Kendall & Gal, 2017).

    One linear layer (feature vectors) or 1x1 convolution (maps) with
    ``2 * out_channels`` outputs, split into the mean and the log-variance.
    Predicting ``log sigma^2`` rather than ``sigma^2`` keeps the variance positive
    without a constraint and the loss numerically stable.

    Args:
        spatial_dims: 0 for feature vectors ``(N, C_in)``; 1, 2 or 3 for maps
            ``(N, C_in, *spatial)``.
        in_channels: input features (``spatial_dims=0``) or input channels.
        out_channels: predicted quantities (regression targets or class logits).
            Defaults to 1.

    Raises:
        ValueError: if a size is not positive or ``spatial_dims`` not in 0..3.

    Example:
        >>> head = HeteroscedasticHead(2, 8, 1)
        >>> mean, log_var = head(torch.randn(2, 8, 5, 5))
        >>> tuple(mean.shape), tuple(log_var.shape)
        ((2, 1, 5, 5), (2, 1, 5, 5))

    See chapter 08 (uncertainty).
    """

    def __init__(
        self,
        spatial_dims: int,
        in_channels: int,
        out_channels: int = 1,
    ) -> None:
        super().__init__()
        if in_channels < 1 or out_channels < 1:
            raise ValueError(
                "in_channels and out_channels must be >= 1, got "
                f"{in_channels} and {out_channels}"
            )
        check_choice("spatial_dims", spatial_dims, (0, 1, 2, 3))
        self.spatial_dims = spatial_dims
        if spatial_dims == 0:
            self.proj = nn.Linear(in_channels, 2 * out_channels)
        else:
            conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[spatial_dims - 1]
            self.proj = conv(in_channels, 2 * out_channels, kernel_size=1)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Map ``(N, C_in[, *S])`` to ``(mean, log_var)``, each ``(N, C_out[, *S])``."""
        if x.dim() != self.spatial_dims + 2:
            raise ValueError(
                f"x must have {self.spatial_dims + 2} dims (N, C[, *spatial]), "
                f"got shape {tuple(x.shape)}"
            )
        out = self.proj(x)  # (N, 2 * C_out[, *spatial])
        mean, log_var = out.chunk(2, dim=1)  # 2 x (N, C_out[, *spatial])
        return mean, log_var


def heteroscedastic_loss(
    mean: Tensor,
    log_var: Tensor,
    target: Tensor,
    *,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log-likelihood with a predicted log-variance.

    ``L = 0.5 * exp(-s) * (y - mu)^2 + 0.5 * s`` with ``s = log sigma^2``: a large
    residual can be "explained away" by a large ``sigma``, which the ``0.5 * s``
    term charges for. Equal to ``torch.nn.GaussianNLLLoss(full=False)`` with
    ``var = exp(s)``; ``full=True`` adds the constant ``0.5 * log(2 pi)``.

    Args:
        mean: predicted means, any shape ``(N, ...)``.
        log_var: predicted log-variances, broadcastable to ``mean``.
        target: observed values, the shape of ``mean``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``. Defaults to ``"mean"``.

    Returns:
        A scalar, or the per-element loss with the shape of ``mean``.

    Raises:
        TypeError: if ``log_var`` is not a floating-point tensor.
        ValueError: on mismatched shapes or an unknown ``reduction``.

    Example:
        >>> heteroscedastic_loss(torch.zeros(3), torch.zeros(3), torch.ones(3))
        tensor(0.5000)

    See chapter 08 (uncertainty).
    """
    check_reduction(reduction)
    if mean.shape != target.shape:
        raise ValueError(
            f"mean and target must have the same shape, got {tuple(mean.shape)} "
            f"and {tuple(target.shape)}"
        )
    _check_log_var(log_var, mean, "mean")
    loss = 0.5 * (torch.exp(-log_var) * (target - mean) ** 2 + log_var)
    return reduce(loss, reduction)


def _randn(
    shape: tuple[int, ...], like: Tensor, generator: torch.Generator | None
) -> Tensor:
    """Standard normal noise on ``like``'s device, drawn on the generator's device."""
    device = like.device if generator is None else generator.device
    noise = torch.randn(shape, generator=generator, device=device, dtype=like.dtype)
    return noise.to(like.device)


def sample_logits(
    logits: Tensor,
    log_var: Tensor,
    n_samples: int,
    *,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Draw Gaussian logits ``x_t = logits + sigma * eps_t`` with ``eps_t ~ N(0, 1)``.

    Args:
        logits: mean logits, e.g. ``(N, C, *spatial)`` (any shape: MC-dropout
            samples ``(T', N, C, *spatial)`` work alike).
        log_var: logit log-variances, broadcastable to ``logits`` (e.g. one per
            pixel, ``(N, 1, *spatial)``).
        n_samples: number of samples ``T``.
        generator: source of the noise; it may live on another device than
            ``logits`` (the noise is drawn there and moved), so a CPU generator
            gives the same samples on every device. Defaults to None (global RNG).

    Returns:
        Sampled logits ``(T, *logits.shape)``, e.g. ``(T, N, C, *spatial)``.

    Raises:
        ValueError: if ``n_samples < 1`` or the shapes do not match.

    Example:
        >>> sample_logits(torch.zeros(2, 3), torch.zeros(2, 1), 4).shape
        torch.Size([4, 2, 3])

    See chapter 08 (uncertainty).
    """
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    _check_log_var(log_var, logits, "logits")
    eps = _randn((n_samples, *logits.shape), logits, generator)  # (T, *logits.shape)
    return logits + torch.exp(0.5 * log_var) * eps  # (T, *logits.shape)


def heteroscedastic_segmentation_loss(
    logits: Tensor,
    log_var: Tensor,
    target: Tensor,
    n_samples: int = 10,
    *,
    generator: torch.Generator | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Per-pixel classification loss with Gaussian logits (Kendall & Gal, 2017, eq. 12).

    ``L = -log (1/T sum_t softmax(x_t)[y])`` with ``x_t`` from
    :func:`sample_logits`, computed in log space with ``logsumexp``. With
    ``sigma = 0`` it is the cross-entropy of ``logits``.

    Args:
        logits: mean logits ``(N, C, *spatial)``.
        log_var: logit log-variances, broadcastable to ``logits``.
        target: class indices ``(N, *spatial)``, integers in ``[0, C)``.
        n_samples: Monte Carlo samples ``T``. Defaults to 10.
        generator: source of the logit noise. Defaults to None (global RNG).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``. Defaults to ``"mean"``.

    Returns:
        A scalar, or the per-pixel loss ``(N, *spatial)``.

    Raises:
        TypeError: if ``target`` is not an integer tensor.
        ValueError: on mismatched shapes, labels out of range, or bad arguments.

    Example:
        >>> logits, target = torch.zeros(1, 2, 4, 4), torch.zeros(1, 4, 4).long()
        >>> log_var = torch.full_like(logits, -30.0)  # sigma ~ 0: cross-entropy
        >>> heteroscedastic_segmentation_loss(logits, log_var, target)
        tensor(0.6931)

    See chapter 08 (uncertainty).
    """
    check_reduction(reduction)
    if logits.dim() < 2:
        raise ValueError(f"logits must be (N, C, *spatial), got {tuple(logits.shape)}")
    N, C, *S = logits.shape
    if target.dtype.is_floating_point or target.dtype == torch.bool:
        raise TypeError(f"target must hold integer class indices, got {target.dtype}")
    if tuple(target.shape) != (N, *S):
        raise ValueError(
            f"target must have shape {(N, *S)} (logits without C), "
            f"got {tuple(target.shape)}"
        )
    if target.numel() and (target.min() < 0 or target.max() >= C):
        raise ValueError(
            f"target labels must lie in [0, {C}), got "
            f"[{int(target.min())}, {int(target.max())}]"
        )
    samples = sample_logits(logits, log_var, n_samples, generator=generator)
    log_p = F.log_softmax(samples, dim=2)  # (T, N, C, *S)
    index = target.unsqueeze(0).unsqueeze(2).expand(n_samples, N, 1, *S)
    log_p_true = log_p.gather(2, index).squeeze(2)  # (T, N, *S)
    loss = math.log(n_samples) - torch.logsumexp(log_p_true, dim=0)  # (N, *S)
    return reduce(loss, reduction)
