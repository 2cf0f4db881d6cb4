"""Detection: box IoU, non-maximum suppression and COCO-style mean average precision.

Boxes are ``(x0, y0, x1, y1)`` ("xyxy") in pixels with ``x1 >= x0`` and
``y1 >= y0``; a box's area is ``(x1 - x0) * (y1 - y0)`` (continuous
coordinates, no ``+1``), as in pycocotools and torchvision. See chapter 01 (tasks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["box_iou", "nms", "average_precision"]

COCO_IOU_THRESHOLDS = tuple(np.round(np.linspace(0.5, 0.95, 10), 2).tolist())


def _tensor(x: torch.Tensor | Sequence) -> torch.Tensor:
    """A tensor stays where it is (on its device); anything else becomes one."""
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x)


def _check_boxes(boxes: torch.Tensor | Sequence, name: str) -> torch.Tensor:
    b = _tensor(boxes)
    if b.dim() != 2 or b.shape[-1] != 4:
        raise ValueError(f"{name}: expected shape (K, 4) in xyxy, got {tuple(b.shape)}")
    if not b.is_floating_point():
        b = b.float()
    if torch.isnan(b).any():
        raise ValueError(f"{name}: contains NaN")
    if ((b[:, 2] < b[:, 0]) | (b[:, 3] < b[:, 1])).any():
        raise ValueError(f"{name}: expected x1 >= x0 and y1 >= y0 (xyxy boxes)")
    return b


def _numpy(t: torch.Tensor) -> np.ndarray:
    """The values of ``t`` as a NumPy array, from any device, without its graph."""
    return t.detach().cpu().numpy()


def box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """Pairwise intersection over union of two sets of boxes.

    Args:
        boxes1: ``(N, 4)`` xyxy boxes.
        boxes2: ``(M, 4)`` xyxy boxes.

    Returns:
        ``(N, M)`` IoU values in [0, 1]; a pair whose union has zero area
        (two degenerate boxes) gets 0.

    Raises:
        ValueError: for a shape other than ``(K, 4)``, NaN, or x1 < x0 / y1 < y0.

    Example:
        >>> box_iou(torch.tensor([[0.0, 0, 2, 2]]), torch.tensor([[1.0, 0, 3, 2]]))
        tensor([[0.3333]])
    """
    a, b = _check_boxes(boxes1, "boxes1"), _check_boxes(boxes2, "boxes2")
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])  # (N,)
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # (M,)
    top_left = torch.maximum(a[:, None, :2], b[None, :, :2])  # (N, M, 2)
    bottom_right = torch.minimum(a[:, None, 2:], b[None, :, 2:])  # (N, M, 2)
    wh = (bottom_right - top_left).clamp(min=0)  # no overlap -> 0, not negative
    inter = wh[..., 0] * wh[..., 1]  # (N, M)
    union = area_a[:, None] + area_b[None, :] - inter
    return torch.where(
        union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(inter)
    )


def nms(
    boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float = 0.5
) -> torch.Tensor:
    """Greedy non-maximum suppression.

    Repeatedly keep the highest-scoring remaining box and discard every
    remaining box that overlaps it with IoU > ``iou_threshold``.

    Args:
        boxes: ``(K, 4)`` xyxy boxes.
        scores: ``(K,)`` confidence scores.
        iou_threshold: boxes overlapping a kept box by more than this are
            discarded. Defaults to 0.5.

    Returns:
        ``(K',)`` int64 indices of the kept boxes, by decreasing score (ties
        keep the earlier index first).

    Raises:
        ValueError: for bad boxes, mismatched lengths, NaN scores, or a
            threshold outside [0, 1].

    Example:
        >>> b = torch.tensor([[0.0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]])
        >>> nms(b, torch.tensor([0.9, 0.8, 0.7]))
        tensor([0, 2])
    """
    b = _check_boxes(boxes, "boxes")
    s = _tensor(scores)
    if s.dim() != 1 or len(s) != len(b):
        raise ValueError(f"scores: expected shape ({len(b)},), got {tuple(s.shape)}")
    if s.is_floating_point() and torch.isnan(s).any():
        raise ValueError("scores: contains NaN")
    if not 0 <= iou_threshold <= 1:
        raise ValueError(
            f"iou_threshold: expected a value in [0, 1], got {iou_threshold}"
        )
    order = torch.sort(s, descending=True, stable=True).indices
    ious = box_iou(b, b)  # (K, K), computed once
    suppressed = torch.zeros(len(b), dtype=torch.bool, device=b.device)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= ious[i] > iou_threshold
    return torch.tensor(keep, dtype=torch.int64, device=b.device)


def _match_image(
    dt_boxes: np.ndarray,
    dt_scores: np.ndarray,
    gt_boxes: np.ndarray,
    thresholds: Sequence[float],
    max_dets: int,
) -> tuple[np.ndarray, np.ndarray]:
    """COCO matching for one image and class: which detections are true positives.

    Returns detection scores ``(D,)`` and a ``(T, D)`` bool matrix of matches.
    """
    order = np.argsort(-dt_scores, kind="mergesort")[:max_dets]
    dt_scores = dt_scores[order]
    # float64 so that matches at an IoU threshold agree with pycocotools
    dt64 = torch.as_tensor(dt_boxes[order], dtype=torch.float64, device="cpu")
    gt64 = torch.as_tensor(gt_boxes, dtype=torch.float64, device="cpu")
    ious = _numpy(box_iou(dt64, gt64))
    matched = np.zeros((len(thresholds), len(order)), dtype=bool)
    for ti, t in enumerate(thresholds):
        gt_taken = np.zeros(len(gt_boxes), dtype=bool)
        for d in range(len(order)):
            best, best_iou = -1, min(t, 1 - 1e-10)
            for g in range(len(gt_boxes)):
                if gt_taken[g] or ious[d, g] < best_iou:
                    continue
                best, best_iou = g, ious[d, g]
            if best >= 0:
                gt_taken[best] = True
                matched[ti, d] = True
    return dt_scores, matched


def _precision_at_recalls(
    scores: np.ndarray, matched: np.ndarray, n_gt: int, recall_points: np.ndarray
) -> np.ndarray:
    """101-point interpolated precision for one class and one IoU threshold."""
    order = np.argsort(-scores, kind="mergesort")
    tp = np.cumsum(matched[order]).astype(float)
    fp = np.cumsum(~matched[order]).astype(float)
    recall = tp / n_gt
    precision = tp / (tp + fp + np.spacing(1))
    # make precision monotonically decreasing (the "interpolated" precision)
    precision = (
        np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
    )
    idx = np.searchsorted(recall, recall_points, side="left")
    out = np.zeros(len(recall_points))
    valid = idx < len(precision)
    out[valid] = precision[idx[valid]]
    return out


def average_precision(
    preds: Sequence[dict],
    targets: Sequence[dict],
    iou_thresholds: Sequence[float] = COCO_IOU_THRESHOLDS,
    max_dets: int = 100,
) -> float:
    """COCO-style mean average precision (mAP) over classes and IoU thresholds.

    For each class and IoU threshold, detections from all images are ranked by
    score; a detection is a true positive if it overlaps a not-yet-matched
    ground-truth box of its class and image with IoU ≥ the threshold (greedy,
    highest score first, best IoU wins). Precision is made monotone and read at
    101 recall points 0, 0.01, …, 1; AP is their mean. mAP averages over the
    classes that have ground truth and over the thresholds. Agrees with
    pycocotools' ``COCOeval`` (bbox, area "all", ``maxDets=max_dets``).

    Args:
        preds: one dict per image with ``"boxes"`` ``(D, 4)`` xyxy, ``"scores"``
            ``(D,)`` and ``"labels"`` ``(D,)``.
        targets: one dict per image with ``"boxes"`` ``(G, 4)`` and ``"labels"`` ``(G,)``.
        iou_thresholds: Defaults to 0.50:0.05:0.95 (COCO); pass ``(0.5,)`` for AP50.
        max_dets: detections kept per image (highest scores). Defaults to 100.

    Returns:
        mAP in [0, 1]; NaN if no image has any ground-truth box.

    Raises:
        ValueError: if ``preds`` and ``targets`` differ in length, a dict lacks
            a key, or boxes/scores/labels disagree in length.

    Example:
        >>> gt = [{"boxes": torch.tensor([[0.0, 0, 10, 10]]), "labels": torch.tensor([1])}]
        >>> pr = [{"boxes": torch.tensor([[0.0, 0, 10, 10]]), "scores": torch.tensor([0.9]),
        ...        "labels": torch.tensor([1])}]
        >>> round(average_precision(pr, gt), 6)
        1.0
    """
    if len(preds) != len(targets):
        raise ValueError(
            f"preds and targets: one dict per image, got {len(preds)} vs {len(targets)}"
        )
    images = []
    for i, (p, t) in enumerate(zip(preds, targets)):
        for d, keys, name in (
            (p, ("boxes", "scores", "labels"), "preds"),
            (t, ("boxes", "labels"), "targets"),
        ):
            missing = [k for k in keys if k not in d]
            if missing:
                raise ValueError(f"{name}[{i}]: missing keys {missing}")
        pb, tb = (
            _check_boxes(p["boxes"], f"preds[{i}]['boxes']"),
            _check_boxes(t["boxes"], f"targets[{i}]['boxes']"),
        )
        ps, pl, tl = (
            _tensor(p["scores"]),
            _tensor(p["labels"]),
            _tensor(t["labels"]),
        )
        if not len(pb) == len(ps) == len(pl) or len(tb) != len(tl):
            raise ValueError(
                f"image {i}: boxes, scores and labels must have equal lengths"
            )
        images.append(tuple(_numpy(t) for t in (pb, ps.double(), pl, tb, tl)))
    recall_points = np.linspace(0, 1, 101)
    classes = sorted({int(c) for *_, tl in images for c in tl})
    ap = np.zeros((len(iou_thresholds), len(classes)))
    for ci, c in enumerate(classes):
        scores, matches, n_gt = [], [], 0
        for pb, ps, pl, tb, tl in images:
            gt = tb[tl == c]
            n_gt += len(gt)
            s, m = _match_image(pb[pl == c], ps[pl == c], gt, iou_thresholds, max_dets)
            scores.append(s)
            matches.append(m)
        scores, matches = np.concatenate(scores), np.concatenate(matches, axis=1)
        for ti in range(len(iou_thresholds)):
            ap[ti, ci] = _precision_at_recalls(
                scores, matches[ti], n_gt, recall_points
            ).mean()
    return float(ap.mean()) if classes else float("nan")
