"""Calibration: does a confidence of 0.8 mean right 80 % of the time?

Predictions are binned by confidence into ``n_bins`` equal bins on [0, 1]
(left-closed, the last one also holding 1.0). For every bin the reliability
diagram compares the mean confidence with the accuracy; the expected
calibration error (ECE) is their gap averaged with the bin sizes as weights.
A model that is confident and wrong sits far below the diagonal. The
diagram is drawn by :func:`medlearn.viz.plot_reliability_diagram`.

See chapter 08 (uncertainty).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from medlearn._helpers import check_positive_int

__all__ = [
    "ReliabilityDiagram",
    "reliability_diagram",
    "expected_calibration_error",
]


class ReliabilityDiagram(NamedTuple):
    """Per-bin statistics, each ``(n_bins,)`` except ``edges`` ``(n_bins + 1,)``.

    ``confidence`` and ``accuracy`` are NaN in empty bins; ``count`` is int64.
    """

    confidence: Tensor
    accuracy: Tensor
    count: Tensor
    edges: Tensor

    def ece(self) -> Tensor:
        """The expected calibration error of these bins (see the function)."""
        weight = self.count / self.count.sum().clamp_min(1)  # (n_bins,)
        gap = (self.accuracy - self.confidence).abs().nan_to_num(0.0)  # (n_bins,)
        return (weight * gap).sum()


def _confidence_and_correct(probs: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """Flatten to per-prediction confidence and correctness, both ``(M,)``."""
    if not isinstance(probs, Tensor) or not probs.is_floating_point():
        raise TypeError(f"probs must be a floating-point tensor, got {probs!r}")
    if labels.dtype.is_floating_point:
        raise TypeError(f"labels must be an integer or bool tensor, got {labels.dtype}")
    if probs.numel() and (probs.min() < 0 or probs.max() > 1):
        raise ValueError(
            "probs must lie in [0, 1] (apply softmax/sigmoid to logits first), got "
            f"[{probs.min().item():.4g}, {probs.max().item():.4g}]"
        )
    if probs.shape == labels.shape:  # binary: p(y = 1) against y
        if labels.numel() and ((labels != 0) & (labels != 1)).any():
            raise ValueError("labels must be 0 or 1 when probs has the labels' shape")
        return probs.reshape(-1), labels.reshape(-1).to(probs.dtype)
    if (
        probs.dim() == labels.dim() + 1
        and probs.shape[:1] + probs.shape[2:] == labels.shape
    ):
        confidence, predicted = probs.max(dim=1)  # (N, ...) each
        correct = (predicted == labels).to(probs.dtype)  # (N, ...)
        return confidence.reshape(-1), correct.reshape(-1)
    raise ValueError(
        "probs must be (N, C, ...) with labels (N, ...), or binary probs with the "
        f"labels' shape; got probs {tuple(probs.shape)} and labels "
        f"{tuple(labels.shape)}"
    )


def reliability_diagram(
    probs: Tensor, labels: Tensor, n_bins: int = 15
) -> ReliabilityDiagram:
    """Bin predictions by confidence; per bin, mean confidence, accuracy and count.

    Multiclass ``(N, C, ...)`` probabilities use the top-label confidence and
    whether the arg-max is right (torchmetrics' ``MulticlassCalibrationError``);
    binary probabilities with the labels' shape use ``p(y = 1)`` against
    ``y`` (``BinaryCalibrationError``). Extra dims (pixels) are pooled.

    Args:
        probs: probabilities ``(N, C, ...)``, or ``(N, ...)`` for a binary task.
        labels: true classes ``(N, ...)``.
        n_bins: equal-width bins on [0, 1]. Defaults to 15.

    Returns:
        ``ReliabilityDiagram(confidence, accuracy, count, edges)``.

    Raises:
        TypeError: on non-floating probs or floating labels.
        ValueError: on mismatched shapes, values outside [0, 1] or ``n_bins < 1``.

    Example:
        >>> d = reliability_diagram(torch.tensor([[0.9, 0.1], [0.3, 0.7]]),
        ...                         torch.tensor([0, 0]), n_bins=2)
        >>> d.count, d.accuracy[1]
        (tensor([0, 2]), tensor(0.5000))

    See chapter 08 (uncertainty).
    """
    check_positive_int("n_bins", n_bins)
    confidence, correct = _confidence_and_correct(probs, labels)  # (M,) each
    edges = torch.linspace(0, 1, n_bins + 1, dtype=probs.dtype, device=probs.device)
    index = (torch.bucketize(confidence, edges, right=True) - 1).clamp(0, n_bins - 1)
    count = torch.bincount(index, minlength=n_bins)  # (n_bins,)
    sums = torch.zeros(2, n_bins, dtype=probs.dtype, device=probs.device)
    sums[0].scatter_add_(0, index, confidence)
    sums[1].scatter_add_(0, index, correct)
    means = sums / count  # (2, n_bins); 0/0 = NaN in empty bins
    return ReliabilityDiagram(means[0], means[1], count, edges)


def expected_calibration_error(
    probs: Tensor, labels: Tensor, n_bins: int = 15
) -> Tensor:
    """Expected calibration error: ``sum_b |B_b| / M * |acc_b - conf_b|``.

    The binning of :func:`reliability_diagram` (l1 norm); equal to torchmetrics'
    calibration error except that a confidence of exactly 1.0 falls in the last
    bin here and in a bin of its own there.

    Args:
        probs: probabilities ``(N, C, ...)``, or ``(N, ...)`` for a binary task.
        labels: true classes ``(N, ...)``.
        n_bins: equal-width bins on [0, 1]. Defaults to 15.

    Returns:
        A scalar tensor in [0, 1].

    Raises:
        TypeError: on non-floating probs or floating labels.
        ValueError: on mismatched shapes, values outside [0, 1] or ``n_bins < 1``.

    Example:
        >>> probs = torch.tensor([[0.9, 0.1], [0.9, 0.1]])  # 90 % sure, always right
        >>> expected_calibration_error(probs, torch.tensor([0, 0]))
        tensor(0.1000)

    See chapter 08 (uncertainty).
    """
    return reliability_diagram(probs, labels, n_bins).ece()
