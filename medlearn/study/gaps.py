"""Gaps between groups with an interval, and rank correlation (chapter 11).

A fairness gap is the difference of a metric's means between two groups of
patients, ``mean(b) - mean(a)``. Its interval resamples patients *within each
group* (a stratified cluster bootstrap): every replicate keeps the groups'
sizes, as the study had them, and draws each group's patients with all their
scans. With one row per patient it is scipy's two-sample percentile
bootstrap, ``scipy.stats.bootstrap((a, b), lambda a, b: b.mean() - a.mean(),
method="percentile")``. :func:`spearman` is the rank correlation that
"uncertainty tracks error" is measured with (scipy's ``spearmanr``).

See chapter 11 (capstone).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from medlearn._helpers import check_positive_int
from medlearn.study.intervals import Interval, _cluster_means, _values
from medlearn.study.splits import IdsLike, encode_ids

__all__ = ["group_gap", "spearman"]


def _replicates(v: Tensor, units: Tensor, n_boot: int, g: torch.Generator) -> Tensor:
    """``(B,)`` cluster-bootstrap means of one group's rows."""
    codes = encode_ids(units.tolist(), "units")
    draws = torch.randint(
        int(codes.max()) + 1, (n_boot, int(codes.max()) + 1), generator=g
    )
    return _cluster_means(v, codes, draws)


def group_gap(
    values: Tensor | Sequence[float],
    units: IdsLike,
    groups: IdsLike,
    pair: tuple[object, object] | None = None,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Interval:
    """The gap ``mean(b) - mean(a)`` between two groups, resampling patients.

    Args:
        values: ``(N,)`` one metric value per row (scan).
        units: ``(N,)`` the patient of each row.
        groups: ``(N,)`` the group of each row (constant within a patient).
        pair: ``(a, b)`` the two groups compared. Defaults to None (the two
            groups there are, in order of first appearance; an error if not
            exactly two).
        n_boot: B, replicates. Defaults to 2000.
        level: the confidence level in (0, 1). Defaults to 0.95.
        seed: the seed of the resampling. Defaults to 0.

    Returns:
        An :class:`~medlearn.study.Interval` of the gap; ``n_units`` and
        ``n_rows`` count both groups.

    Raises:
        ValueError: for inputs of unequal length, a group not present, or
            ``pair=None`` with other than two groups.

    Example:
        >>> gap = group_gap([0.9, 0.8, 0.6, 0.7], [0, 1, 2, 3], ["F", "F", "M", "M"])
        >>> round(gap.estimate, 4)
        -0.2
    """
    v = _values(values).cpu()  # the replicates are drawn on the CPU
    check_positive_int("n_boot", n_boot)
    if not 0 < level < 1:
        raise ValueError(f"level: expected a confidence level in (0, 1), got {level!r}")
    u = encode_ids(units, "units")
    labels = groups.tolist() if isinstance(groups, Tensor) else list(groups)
    if not len(u) == len(labels) == len(v):
        raise ValueError(
            f"units and groups: expected {len(v)} each, got {len(u)} and {len(labels)}"
        )
    present = list(dict.fromkeys(labels))
    if pair is None:
        if len(present) != 2:
            raise ValueError(f"groups: expected exactly two groups, got {present}")
        pair = (present[0], present[1])
    g = torch.Generator().manual_seed(seed)
    parts = []
    for name in pair:
        mask = torch.tensor([x == name for x in labels])
        if not bool(mask.any()):
            raise ValueError(f"pair: group {name!r} is not in groups {present}")
        parts.append((v[mask], u[mask]))
    boot = [_replicates(vals, us, n_boot, g) for vals, us in parts]
    diffs = boot[1] - boot[0]  # (B,)
    q = torch.tensor([(1 - level) / 2, (1 + level) / 2], dtype=v.dtype)
    low, high = torch.quantile(diffs, q).tolist()
    estimate = float(parts[1][0].mean() - parts[0][0].mean())
    n_units = sum(len(set(us.tolist())) for _, us in parts)
    n_rows = sum(len(vals) for vals, _ in parts)
    return Interval(estimate, low, high, level, n_units, n_rows)


def _ranks(x: Tensor) -> Tensor:
    """Average ranks 1..N, ties sharing their mean rank (scipy's ``rankdata``)."""
    values, inverse, counts = torch.unique(x, return_inverse=True, return_counts=True)
    ends = counts.cumsum(0).to(torch.float64)
    return (ends - (counts - 1) / 2)[inverse]


def spearman(x: Tensor | Sequence[float], y: Tensor | Sequence[float]) -> float:
    """Spearman's rank correlation of two samples (scipy's ``spearmanr``).

    Args:
        x: ``(N,)`` values, e.g. each scan's uncertainty.
        y: ``(N,)`` values, e.g. each scan's error.

    Returns:
        The Pearson correlation of the average ranks, in [-1, 1]; NaN when
        either sample is constant.

    Raises:
        ValueError: for unequal lengths, fewer than 2 values or NaN.

    Example:
        >>> spearman([1.0, 2.0, 3.0, 4.0], [10.0, 30.0, 20.0, 40.0])
        0.8
    """
    a, b = _values(x), _values(y)
    if len(a) != len(b) or len(a) < 2:
        raise ValueError(
            f"x and y: expected two samples of equal length >= 2, got {len(a)}, {len(b)}"
        )
    ra, rb = _ranks(a.cpu()), _ranks(b.cpu())
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = (ra.square().sum() * rb.square().sum()).sqrt()
    return float(ra @ rb / denominator) if denominator > 0 else float("nan")
