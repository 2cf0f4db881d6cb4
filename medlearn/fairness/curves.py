"""ROC-type curves of a score and their upper convex hull, read on a grid.

Every threshold ``t`` of a score gives one decision rule ``score > t`` and one
point (x, y) of two rates, e.g. (FPR, TPR): :func:`tradeoff_points`. Mixing
two rules at random reaches every point between them, so the reachable set is
the convex hull, whose upper boundary (:func:`upper_hull`, Andrew's 1979
monotone chain) holds the best points; :mod:`~medlearn.fairness.thresholds`
reads it on a common grid for every group. The points, thresholds and hull are
those of fairlearn 0.15's ``ThresholdOptimizer``. See chapter 09 (fairness).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from medlearn.fairness.inputs import (
    ArrayLike,
    _check_lengths,
    as_binary,
    as_probabilities,
)

__all__ = ["TradeoffPoints", "tradeoff_points", "upper_hull"]


def _metric(name: str, tp: Tensor, fp: Tensor, tn: Tensor, fn: Tensor) -> Tensor:
    """fairlearn's ``METRIC_DICT``, with its order of operations (floats are compared)."""
    tp, fp, tn, fn = (c.double() for c in (tp, fp, tn, fn))
    if name == "selection_rate":
        return (tp + fp) / (tp + tn + fp + fn)
    if name == "tpr":
        return tp / (tp + fn)
    if name == "fpr":
        return fp / (tn + fp)
    if name == "accuracy":
        return (tp + tn) / (tp + tn + fp + fn)
    return 0.5 * tp / (tp + fn) + 0.5 * tn / (tn + fp)  # balanced accuracy


class TradeoffPoints(NamedTuple):
    """Candidate rules, each ``(P,)``: predict 1 where ``score > threshold``
    (``greater``) or ``score < threshold`` (a flipped rule); sorted by ``x``, then ``y``."""

    x: Tensor
    y: Tensor
    threshold: Tensor
    greater: Tensor


def tradeoff_points(
    probs: ArrayLike,
    y_true: ArrayLike,
    x: str = "fpr",
    y: str = "tpr",
    *,
    flip: bool = False,
) -> TradeoffPoints:
    """The (x, y) point of every threshold between distinct scores: an ROC curve.

    Thresholds are ``+inf``, the midpoints between consecutive distinct
    scores (descending), and ``-inf``; rules are ``score > t``, and with
    ``flip`` also ``score < t``. Points are sorted by x, then y, ties in their
    original order (fairlearn's ``_calculate_tradeoff_points``).

    Args:
        probs: ``(N,)`` probabilities of the positive class.
        y_true: ``(N,)`` true labels, 0/1 or bool; both classes needed.
        x: the rate on the x axis: ``"fpr"``, ``"tpr"`` or
            ``"selection_rate"``. Defaults to ``"fpr"``.
        y: the y axis: ``"tpr"``, ``"accuracy"`` or ``"balanced_accuracy"``.
            Defaults to ``"tpr"``.
        flip: also consider the flipped rules. Defaults to False.

    Returns:
        :class:`TradeoffPoints` with ``P = U + 1`` points for U distinct
        scores (twice that with ``flip``).

    Raises:
        ValueError: for invalid probabilities or labels, different lengths, or
            labels of one class only.

    Example:
        >>> p = tradeoff_points([0.9, 0.2, 0.6], [1, 0, 0])
        >>> p.x.tolist(), p.y.tolist(), p.threshold.tolist()
        ([0.0, 0.0, 0.5, 1.0], [0.0, 1.0, 1.0, 1.0], [inf, 0.75, 0.4, -inf])
    """
    s, t = as_probabilities(probs, "probs"), as_binary(y_true, "y_true")
    _check_lengths(probs=s, y_true=t)
    n_pos = int(t.sum())
    n_neg = len(t) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("y_true: both classes are needed for a trade-off curve")
    values, inverse = torch.unique(s, return_inverse=True)  # (U,) ascending
    t = t.to(inverse.device)
    pos = torch.bincount(inverse[t], minlength=len(values)).flip(0)  # descending
    neg = torch.bincount(inverse[~t], minlength=len(values)).flip(0)
    zero = pos.new_zeros(1)
    tp, fp = torch.cat([zero, pos.cumsum(0)]), torch.cat([zero, neg.cumsum(0)])
    v = values.flip(0)
    inf = v.new_tensor([float("inf")])
    threshold = torch.cat([inf, (v + torch.cat([v[1:], -inf])) / 2])  # (U + 1,)
    rules = [(tp, fp, n_neg - fp, n_pos - tp, True)]
    if flip:
        rules.append((n_pos - tp, n_neg - fp, fp, tp, False))
    # interleave: rule ">" then "<" at each threshold, as fairlearn lists them
    xs = torch.stack([_metric(x, *r[:4]) for r in rules], 1).flatten()
    ys = torch.stack([_metric(y, *r[:4]) for r in rules], 1).flatten()
    thresholds = threshold.repeat_interleave(len(rules))
    greater = torch.tensor([r[4] for r in rules]).repeat(len(threshold))
    order = torch.argsort(ys, stable=True)
    order = order[torch.argsort(xs[order], stable=True)]  # by x, then y
    return TradeoffPoints(xs[order], ys[order], thresholds[order], greater[order])


def upper_hull(x: Tensor, y: Tensor) -> Tensor:
    """Indices of the upper convex hull of points sorted by x, then y.

    Andrew's monotone chain: a point is dropped when it lies below or *on*
    the segment joining its neighbours, with fairlearn's exact test
    ``(y1 - y0)(x2 - x0) <= (y2 - y0)(x1 - x0)``.

    Args:
        x: ``(P,)`` sorted x.
        y: ``(P,)`` y, sorted within equal x.

    Returns:
        ``(H,)`` int64 indices into the points, in order of x.

    Example:
        >>> upper_hull(torch.tensor([0.0, 0.5, 0.5, 1.0]), torch.tensor([0.0, 0.2, 0.9, 1.0]))
        tensor([0, 2, 3])
    """
    xs, ys = x.tolist(), y.tolist()
    keep: list[int] = []
    for k in range(len(xs)):
        while len(keep) >= 2:
            i, j = keep[-2], keep[-1]
            if (ys[j] - ys[i]) * (xs[k] - xs[i]) <= (ys[k] - ys[i]) * (xs[j] - xs[i]):
                keep.pop()  # j is not above the segment from i to k
            else:
                break
        keep.append(k)
    return torch.tensor(keep, dtype=torch.long)


def _grid(grid_size: int) -> Tensor:
    """``numpy.linspace(0, 1, grid_size + 1)``, bit for bit (torch.linspace differs)."""
    grid = torch.arange(grid_size + 1, dtype=torch.float64) * (1.0 / grid_size)
    grid[-1] = 1.0
    return grid


class _Curve(NamedTuple):
    """A group's hull read on the grid: y ``(K,)``; the two rules mixed, ``(K, 2)``."""

    y: Tensor
    threshold: Tensor
    greater: Tensor
    weight: Tensor


def _hull_on_grid(points: TradeoffPoints, grid: Tensor) -> _Curve:
    """Interpolate the upper hull at the grid (fairlearn's ``_interpolate_curve``)."""
    hull = upper_hull(points.x, points.y)
    xh, yh = points.x[hull], points.y[hull]
    left = torch.searchsorted(xh, grid, right=True) - 1  # xh[left] <= grid
    left[1:] -= (grid[1:] == xh[left[1:]]).long()  # xh[left] < grid <= xh[left + 1]
    p0 = (xh[left + 1] - grid) / (xh[left + 1] - xh[left])
    p1 = 1 - p0
    y = p0 * yh[left] + p1 * yh[left + 1]
    rule = hull[torch.stack([left, left + 1], dim=1)]  # (K, 2) indices of points
    return _Curve(
        y, points.threshold[rule], points.greater[rule], torch.stack([p0, p1], 1)
    )
