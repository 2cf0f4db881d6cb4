"""Classification metrics: the ROC AUC and the confusion matrix.

See chapter 01 (tasks).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["roc_auc", "confusion_matrix"]


def _vector(x: torch.Tensor | Sequence[float], name: str) -> torch.Tensor:
    x = torch.as_tensor(x)
    if x.dim() != 1:
        raise ValueError(
            f"{name}: expected a 1D tensor (N,), got shape {tuple(x.shape)}"
        )
    if x.is_floating_point() and torch.isnan(x).any():
        raise ValueError(f"{name}: contains NaN")
    return x


def roc_auc(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """Area under the ROC curve: the probability that a random positive scores
    higher than a random negative (ties count one half).

    Computed from ranks (the Mann–Whitney U statistic): with tied scores given
    their average rank, ``AUC = (R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg)``.

    Args:
        scores: ``(N,)`` predicted scores or probabilities of the positive class.
        labels: ``(N,)`` true labels, 0/1 or bool.

    Returns:
        AUC in [0, 1].

    Raises:
        ValueError: for mismatched lengths, NaN scores, non-binary labels, or
            labels of only one class (AUC is undefined then).

    Example:
        >>> roc_auc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        0.75
    """
    s = _vector(scores, "scores").double()
    y = _vector(labels, "labels")
    if len(s) != len(y):
        raise ValueError(f"scores and labels: lengths differ, {len(s)} vs {len(y)}")
    if not ((y == 0) | (y == 1)).all():
        raise ValueError(f"labels: expected 0/1, got values {y.unique().tolist()}")
    y = y.bool()
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("labels: both classes must be present for a ROC AUC")
    # average ranks (1-based) with ties sharing the mean of their positions
    uniq, inverse, counts = torch.unique(s, return_inverse=True, return_counts=True)
    last = torch.cumsum(counts, 0).double()
    mean_rank = last - (counts.double() - 1) / 2  # (U,) rank of each unique value
    ranks = mean_rank[inverse]
    u = ranks[y].sum().item() - n_pos * (n_pos + 1) / 2
    return u / (n_pos * n_neg)


def confusion_matrix(
    pred: torch.Tensor, target: torch.Tensor, num_classes: int | None = None
) -> torch.Tensor:
    """Counts of (true class, predicted class) pairs.

    Args:
        pred: ``(N,)`` predicted class indices (or any shape, flattened).
        target: true class indices of the same shape.
        num_classes: C. Defaults to None (1 + the largest index seen).

    Returns:
        ``(C, C)`` int64, rows = true class, columns = predicted class (the
        scikit-learn convention), so ``cm[1, 1]`` counts true positives of a
        binary problem and ``cm[1, 0]`` false negatives.

    Raises:
        ValueError: for mismatched shapes, negative or non-integer indices, or
            indices ≥ ``num_classes``.

    Example:
        >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]))
        tensor([[1, 1],
                [0, 1]])
    """
    p, t = torch.as_tensor(pred), torch.as_tensor(target)
    if p.shape != t.shape:
        raise ValueError(
            f"pred and target: shapes differ, {tuple(p.shape)} vs {tuple(t.shape)}"
        )
    for x, name in ((p, "pred"), (t, "target")):
        if x.is_floating_point() or x.is_complex():
            raise ValueError(f"{name}: expected integer class indices, got {x.dtype}")
        if x.numel() and x.min() < 0:
            raise ValueError(f"{name}: class indices must be >= 0")
    p, t = p.reshape(-1).long(), t.reshape(-1).long()
    seen = int(max(p.max().item(), t.max().item())) + 1 if p.numel() else 0
    C = seen if num_classes is None else num_classes
    if seen > C:
        raise ValueError(f"num_classes: {C} is too small for index {seen - 1}")
    return torch.bincount(t * C + p, minlength=C * C).reshape(C, C)
