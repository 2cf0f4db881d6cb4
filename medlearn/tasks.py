"""Probabilistic outputs: softmax, log-softmax and cross-entropy from the definitions.

A classifier outputs one score (logit) per class; softmax turns scores into a
probability distribution, and cross-entropy is the negative log-likelihood of
the true class. Segmentation does the same at every pixel, and often adds the soft
Dice loss, which weighs a rare class as much as a common one. The functions here
subtract the maximum logit first, so logits of ±1e4 give finite, exact values.

See chapter 01 (tasks).
"""

from __future__ import annotations

import torch

from medlearn._helpers import check_reduction, reduce

__all__ = ["softmax", "log_softmax", "cross_entropy", "soft_dice_loss"]


def _check_logits(logits: torch.Tensor, dim: int) -> None:
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"logits: expected a torch.Tensor, got {type(logits).__name__}")
    if not logits.is_floating_point():
        raise TypeError(f"logits: expected a floating-point tensor, got {logits.dtype}")
    if logits.dim() == 0:
        raise ValueError("logits: expected at least one dimension, got a scalar")
    if not -logits.dim() <= dim < logits.dim():
        raise ValueError(
            f"dim: {dim} is out of range for logits of shape {tuple(logits.shape)}"
        )
    if torch.isnan(logits).any():
        raise ValueError("logits: contains NaN")


def log_softmax(logits: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Log-probabilities ``z - logsumexp(z)`` along ``dim``, computed stably.

    ``log softmax(z)_i = z_i - m - log sum_j exp(z_j - m)`` with ``m = max_j z_j``:
    every exponent is ≤ 0, so nothing overflows, and the largest term is
    exp(0) = 1, so the log never sees 0.

    Args:
        logits: ``(N, C, ...)`` scores (any shape; classes along ``dim``).
        dim: the class axis. Defaults to 1.

    Returns:
        Log-probabilities with the shape of ``logits``.

    Raises:
        TypeError: if ``logits`` is not a floating-point tensor.
        ValueError: if ``dim`` is out of range or ``logits`` contains NaN.

    Example:
        >>> log_softmax(torch.tensor([[0.0, 0.0]])).exp()
        tensor([[0.5000, 0.5000]])
    """
    _check_logits(logits, dim)
    shifted = logits - logits.amax(dim=dim, keepdim=True)  # the max is now 0
    return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()


def softmax(logits: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Probabilities ``exp(z_i) / sum_j exp(z_j)`` along ``dim``, computed stably.

    Args:
        logits: ``(N, C, ...)`` scores.
        dim: the class axis. Defaults to 1.

    Returns:
        Probabilities with the shape of ``logits``; they sum to 1 along ``dim``.

    Raises:
        TypeError: if ``logits`` is not a floating-point tensor.
        ValueError: if ``dim`` is out of range or ``logits`` contains NaN.

    Example:
        >>> softmax(torch.tensor([[1e4, 0.0]]))
        tensor([[1., 0.]])
    """
    _check_logits(logits, dim)
    e = (logits - logits.amax(dim=dim, keepdim=True)).exp()
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(
    logits: torch.Tensor,
    target: torch.Tensor,
    reduction: str = "mean",
) -> torch.Tensor:
    """Negative log-likelihood of the true class, averaged over samples and pixels.

    Minimising it is maximising the likelihood of the labels under the model's
    predicted distribution. Equal to ``torch.nn.functional.cross_entropy``.

    Args:
        logits: ``(N, C)`` for classification, ``(N, C, H, W)`` or
            ``(N, C, D, H, W)`` for per-pixel segmentation.
        target: class indices, int64, ``(N,)`` / ``(N, H, W)`` / ``(N, D, H, W)``
            with values in ``[0, C)``; or class probabilities (soft labels),
            floating point, with the shape of ``logits``.
        reduction: ``"mean"`` (over samples and pixels), ``"sum"`` or
            ``"none"`` (per sample and pixel). Defaults to "mean".

    Returns:
        A scalar for "mean"/"sum"; ``(N, ...)`` (the logits' shape without the
        class axis) for "none".

    Raises:
        TypeError: for non-floating logits, or an index target that is not integer.
        ValueError: for mismatched shapes, class indices outside ``[0, C)``,
            NaN logits, or an unknown ``reduction``.

    Example:
        >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
        >>> round(cross_entropy(logits, torch.tensor([0, 1])).item(), 4)
        0.1269
    """
    _check_logits(logits, 0)  # type, dtype and NaN first
    if logits.dim() < 2:
        raise ValueError(
            f"logits: expected (N, C, ...), got shape {tuple(logits.shape)}"
        )
    check_reduction(reduction)
    log_p = log_softmax(logits, dim=1)  # (N, C, ...)
    if target.is_floating_point():  # soft labels: the shape of the logits
        if target.shape != logits.shape:
            raise ValueError(
                f"target: probabilities must have the logits' shape {tuple(logits.shape)}, "
                f"got {tuple(target.shape)}"
            )
        nll = -(target * log_p).sum(dim=1)  # (N, ...)
    else:
        expected = (logits.shape[0], *logits.shape[2:])
        if target.dtype == torch.bool or tuple(target.shape) != expected:
            raise ValueError(
                f"target: expected int class indices of shape {expected}, "
                f"got {target.dtype} {tuple(target.shape)}"
            )
        C = logits.shape[1]
        if target.numel() and (target.min() < 0 or target.max() >= C):
            raise ValueError(
                f"target: class indices must lie in [0, {C}), "
                f"got [{int(target.min())}, {int(target.max())}]"
            )
        nll = -log_p.gather(1, target.long().unsqueeze(1)).squeeze(1)  # (N, ...)
    return reduce(nll, reduction)


def soft_dice_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    *,
    smooth: float = 1.0,
    include_background: bool = False,
) -> torch.Tensor:
    """One minus the soft Dice of the predicted probabilities, over the whole batch.

    Dice ``2 |A and B| / (|A| + |B|)`` with the binary prediction replaced by the
    softmax probabilities, so it has a gradient: per class ``c``,
    ``(2 sum p_c t_c + smooth) / (sum p_c + sum t_c + smooth)``, the sums over the
    batch and every pixel (Milletari et al.'s V-Net loss). Each class counts
    equally however few pixels it has, which is why it is added to cross-entropy
    for small structures. Equal to MONAI's ``DiceLoss(softmax=True,
    to_onehot_y=True, batch=True, smooth_nr=smooth, smooth_dr=smooth)``.

    Args:
        logits: ``(N, C, H, W)`` or ``(N, C, D, H, W)`` (or ``(N, C)``).
        target: int class indices ``(N, H, W)`` / ``(N, D, H, W)`` (or ``(N,)``).
        smooth: added to numerator and denominator, so an empty class whose
            prediction is empty too scores 1. Defaults to 1.0.
        include_background: average over every class; False leaves out class 0.
            Defaults to False.

    Returns:
        A scalar tensor: ``1 - mean_c Dice_c``.

    Raises:
        TypeError: for non-floating logits or a non-integer target.
        ValueError: for mismatched shapes, class indices outside ``[0, C)``, or
            ``smooth < 0``.

    Example:
        >>> logits = torch.tensor([[[[9.0, -9.0]], [[-9.0, 9.0]]]])  # (1, 2, 1, 2)
        >>> round(soft_dice_loss(logits, torch.tensor([[[0, 1]]])).item(), 4)
        0.0
    """
    _check_logits(logits, 0)
    if target.is_floating_point() or target.dtype == torch.bool:
        raise TypeError(f"target: expected int class indices, got {target.dtype}")
    expected = (logits.shape[0], *logits.shape[2:])
    if logits.dim() < 2 or tuple(target.shape) != expected:
        raise ValueError(
            f"target: expected shape {expected} for logits {tuple(logits.shape)}, "
            f"got {tuple(target.shape)}"
        )
    C = logits.shape[1]
    if target.numel() and (target.min() < 0 or target.max() >= C):
        raise ValueError(
            f"target: class indices must be in [0, {C}), got "
            f"[{target.min().item()}, {target.max().item()}]"
        )
    if smooth < 0:
        raise ValueError(f"smooth: expected >= 0, got {smooth}")
    p = softmax(logits, dim=1)  # (N, C, ...)
    onehot = torch.nn.functional.one_hot(target, C).movedim(-1, 1).to(p.dtype)
    dims = [0, *range(2, p.dim())]  # the batch and every pixel
    overlap = (p * onehot).sum(dim=dims)  # (C,)
    size = p.sum(dim=dims) + onehot.sum(dim=dims)  # (C,)
    per_class = (2 * overlap + smooth) / (size + smooth)
    first = 0 if include_background else 1
    return 1 - per_class[first:].mean()
