"""Overlap and boundary metrics for binary segmentation masks.

Overlap metrics count voxels: true positives TP, false positives FP, false
negatives FN, true negatives TN. The Hausdorff distance measures boundaries in
millimetres, so it needs the voxel spacing.

Empty masks follow MONAI's conventions (``DiceMetric(ignore_empty=True)``,
``HausdorffDistanceMetric``): a metric that is undefined returns NaN instead
of a made-up number; see each function. See chapter 01 (tasks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy import ndimage

__all__ = [
    "dice",
    "iou",
    "sensitivity",
    "specificity",
    "mask_edges",
    "hausdorff_distance",
]


def _as_binary(mask: torch.Tensor | np.ndarray, name: str) -> torch.Tensor:
    """Validate a binary mask and return it as a bool tensor."""
    if isinstance(mask, np.ndarray):
        mask = torch.from_numpy(mask)
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(mask).__name__}")
    if mask.dtype == torch.bool:
        return mask
    if mask.is_floating_point() and torch.isnan(mask).any():
        raise ValueError(f"{name}: contains NaN; expected a binary mask")
    if mask.is_complex() or not ((mask == 0) | (mask == 1)).all():
        values = mask.unique()[:6].tolist()
        raise ValueError(
            f"{name}: expected a binary mask (values 0/1 or bool), got values {values}; "
            "threshold probabilities or select one label first"
        )
    return mask.bool()


def _pair(
    pred: torch.Tensor, target: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    p, t = _as_binary(pred, "pred"), _as_binary(target, "target")
    if p.shape != t.shape:
        raise ValueError(
            f"pred and target: expected the same shape, got {tuple(p.shape)} and {tuple(t.shape)}"
        )
    if p.numel() == 0:
        raise ValueError("pred and target: masks have no voxels")
    return p, t.to(p.device)


def _counts(
    pred: torch.Tensor, target: torch.Tensor
) -> tuple[float, float, float, float]:
    p, t = _pair(pred, target)
    tp = (p & t).sum().item()
    fp = (p & ~t).sum().item()
    fn = (~p & t).sum().item()
    tn = (~p & ~t).sum().item()
    return tp, fp, fn, tn


def dice(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Dice coefficient ``2 TP / (2 TP + FP + FN)`` of two binary masks.

    Args:
        pred: binary mask of any shape (2D or 3D image, or a batch, which is
            then counted as one set of voxels), bool or 0/1.
        target: ground-truth mask of the same shape.

    Returns:
        Dice in [0, 1]. Empty ``target``: NaN (undefined; MONAI's
        ``ignore_empty=True`` convention, so averages can skip it with
        ``nanmean``); empty ``target`` and non-empty ``pred`` is also NaN.

    Raises:
        TypeError: if an input is not a tensor or array.
        ValueError: for different shapes, non-binary values or NaN.

    Example:
        >>> dice(torch.tensor([[1, 1], [0, 0]]), torch.tensor([[1, 0], [0, 0]]))
        0.6666666666666666
    """
    tp, fp, fn, _ = _counts(pred, target)
    if tp + fn == 0:
        return float("nan")
    return 2 * tp / (2 * tp + fp + fn)


def iou(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Intersection over union (Jaccard) ``TP / (TP + FP + FN)``.

    Args:
        pred: binary mask, bool or 0/1.
        target: ground-truth mask of the same shape.

    Returns:
        IoU in [0, 1]; NaN if ``target`` is empty (as :func:`dice`).

    Raises:
        ValueError: for different shapes, non-binary values or NaN.

    Example:
        >>> iou(torch.tensor([1, 1, 0]), torch.tensor([1, 0, 0]))
        0.5
    """
    tp, fp, fn, _ = _counts(pred, target)
    if tp + fn == 0:
        return float("nan")
    return tp / (tp + fp + fn)


def sensitivity(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Sensitivity (recall, true-positive rate) ``TP / (TP + FN)``.

    Args:
        pred: binary mask, bool or 0/1.
        target: ground-truth mask of the same shape.

    Returns:
        Sensitivity in [0, 1]; NaN if ``target`` has no positive voxel.

    Raises:
        ValueError: for different shapes, non-binary values or NaN.

    Example:
        >>> sensitivity(torch.tensor([1, 0, 0]), torch.tensor([1, 1, 0]))
        0.5
    """
    tp, _, fn, _ = _counts(pred, target)
    return float("nan") if tp + fn == 0 else tp / (tp + fn)


def specificity(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Specificity (true-negative rate) ``TN / (TN + FP)``.

    Args:
        pred: binary mask, bool or 0/1.
        target: ground-truth mask of the same shape.

    Returns:
        Specificity in [0, 1]; NaN if ``target`` has no negative voxel.

    Raises:
        ValueError: for different shapes, non-binary values or NaN.

    Example:
        >>> specificity(torch.tensor([1, 1, 0]), torch.tensor([1, 0, 0]))
        0.5
    """
    _, fp, _, tn = _counts(pred, target)
    return float("nan") if tn + fp == 0 else tn / (tn + fp)


def mask_edges(mask: torch.Tensor) -> torch.Tensor:
    """Boundary voxels: the mask minus its erosion (face-connected neighbours).

    Voxels on the image border count as boundary (the outside is background),
    as in MONAI's ``get_mask_edges``.

    Args:
        mask: ``(H, W)`` or ``(D, H, W)`` binary mask.

    Returns:
        A bool tensor of the same shape, on the mask's device, True on
        boundary voxels (SciPy computes the erosion on the CPU).

    Example:
        >>> mask_edges(torch.ones(3, 3, dtype=torch.bool)).sum().item()
        8
    """
    binary = _as_binary(mask, "mask")
    m = binary.cpu().numpy()
    edges = torch.from_numpy(m ^ ndimage.binary_erosion(m, border_value=0))
    return edges.to(binary.device)


def _directed(
    from_edges: np.ndarray, to_edges: np.ndarray, spacing: Sequence[float]
) -> np.ndarray:
    """Distance (mm) from every voxel of ``from_edges`` to the nearest of ``to_edges``."""
    dist_to = ndimage.distance_transform_edt(~to_edges, sampling=spacing)
    return dist_to[from_edges]


def hausdorff_distance(
    pred: torch.Tensor,
    target: torch.Tensor,
    percentile: float | None = None,
    spacing: Sequence[float] | None = None,
    *,
    directed: bool = False,
) -> float:
    """(Percentile) Hausdorff distance between mask boundaries, in millimetres.

    For every boundary voxel of one mask, take the Euclidean distance (in mm,
    using ``spacing``) to the nearest boundary voxel of the other; the
    Hausdorff distance is the largest such distance, HD95 the 95th percentile
    (linear interpolation), which ignores a few outliers. Symmetric: the
    maximum of the two directions (unless ``directed``). Matches MONAI's
    ``compute_hausdorff_distance`` (Euclidean, no sub-voxel edges).

    Args:
        pred: ``(H, W)`` or ``(D, H, W)`` binary mask.
        target: ground-truth mask of the same shape.
        percentile: None for the maximum, or a value in [0, 100] (95 for HD95).
            Defaults to None.
        spacing: voxel size in mm per axis, in the masks' axis order
            ``(z, y, x)``. Defaults to None (1 mm; pass the real spacing!).
        directed: only the distances from ``pred`` to ``target``. Defaults to False.

    Returns:
        The distance in mm. Both masks empty: NaN; exactly one empty: inf
        (MONAI's conventions: undefined vs infinitely far).

    Raises:
        ValueError: for different shapes, non-binary values, masks that are
            not 2D or 3D, a ``spacing`` of the wrong length or non-positive,
            or a percentile outside [0, 100].

    Example:
        >>> a = torch.zeros(5, 5, dtype=torch.bool); a[1:3, 1:3] = True
        >>> b = torch.zeros(5, 5, dtype=torch.bool); b[1:3, 2:4] = True
        >>> hausdorff_distance(a, b, spacing=(1.0, 2.0))
        2.0
    """
    p, t = _pair(pred, target)
    if p.dim() not in (2, 3):
        raise ValueError(f"pred: expected a 2D or 3D mask, got shape {tuple(p.shape)}")
    if spacing is None:
        spacing = (1.0,) * p.dim()
    spacing = tuple(float(s) for s in spacing)
    if len(spacing) != p.dim():
        raise ValueError(
            f"spacing: expected {p.dim()} values for a {p.dim()}D mask, got {len(spacing)}: {spacing}"
        )
    if any(not s > 0 for s in spacing):
        raise ValueError(f"spacing: expected positive millimetres, got {spacing}")
    if percentile is not None and not 0 <= percentile <= 100:
        raise ValueError(
            f"percentile: expected None or a value in [0, 100], got {percentile}"
        )
    ep, et = mask_edges(p).cpu().numpy(), mask_edges(t).cpu().numpy()
    if not ep.any() and not et.any():
        return float("nan")
    if not ep.any() or not et.any():
        return float("inf")
    parts = [_directed(ep, et, spacing)]
    if not directed:
        parts.append(_directed(et, ep, spacing))
    stat = np.max if percentile is None else (lambda d: np.percentile(d, percentile))
    return float(max(stat(d) for d in parts))
