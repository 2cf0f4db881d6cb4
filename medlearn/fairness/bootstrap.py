"""Bootstrap confidence intervals for per-group rates and their disparities.

A cohort of a few hundred patients cannot tell a TPR of 0.80 from one of 0.85
in a group of 30. The bootstrap measures how much each number would move if the
cohort were drawn again: resample the patients with replacement, recompute,
and take the spread of the replicates as percentile intervals (Efron &
Tibshirani 1993; linear interpolation between order statistics, as
``numpy.quantile`` and fairlearn).

The resampling here is *stratified by group*: each replicate draws ``n_a``
patients from group ``a``, so every group keeps its size. fairlearn 0.15's
``MetricFrame(n_boot=...)`` resamples all rows at once, so a group of 5 may
appear 2 or 9 times in a replicate, or not at all (that replicate is then
dropped for it). Stratification matches a study whose group sizes are fixed by
design, and no replicate loses a small group.

Two implementations give the same distribution of counts:

* :func:`stratified_bootstrap_indices` + counting (``impl="resample"``): the
  definition, resampled rows, vectorised over replicates in chunks;
* ``impl="multinomial"`` (default): every rate here depends on the rows only
  through the group's counts (tn, fp, fn, tp), and resampling ``n_a`` rows
  draws those counts from ``Multinomial(n_a, counts / n_a)``; drawn as three
  binomials per group, in O(B G) instead of O(B N).

Percentile intervals of an absolute difference (max − min) lie above 0 even
when the groups are truly equal; to test "no difference" use
:func:`~medlearn.fairness.permutation_test`. See chapter 09 (fairness).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor

from medlearn._helpers import check_choice
from medlearn.fairness.disparity import (
    AGGS,
    DISPARITIES,
    METHODS,
    disparity_from_counts,
)
from medlearn.fairness.groups import (
    UndefinedRateWarning,
    _cells,
    _warn_undefined,
    encode_groups,
    metric_by_group,
    rates_from_counts,
)
from medlearn.fairness.inputs import ArrayLike, GroupsLike
from medlearn.fairness.resampling import (
    _check_bootstrap,
    _replicates,
    stratified_bootstrap_indices,
)

__all__ = [
    "Interval",
    "percentile_interval",
    "FairnessBootstrap",
    "bootstrap_fairness",
    "bootstrap_metric_by_group",
]

RATES = ("base_rate", "selection_rate", "tpr", "fpr", "ppv")


class Interval(NamedTuple):
    """A point estimate and its interval; tensors of one shape (``(G,)`` or ``()``)."""

    estimate: Tensor
    lower: Tensor
    upper: Tensor


def percentile_interval(
    replicates: Tensor, estimate: Tensor, confidence: float = 0.95
) -> Interval:
    """Percentile bootstrap interval: the ``(1 ± confidence) / 2`` quantiles.

    Args:
        replicates: ``(B, ...)`` values of the statistic, NaN where undefined
            (those replicates are skipped).
        estimate: ``(...)`` the statistic on the data.
        confidence: the level. Defaults to 0.95.

    Returns:
        :class:`Interval` of tensors of shape ``(...)`` (NaN where every
        replicate is NaN).

    Example:
        >>> percentile_interval(torch.arange(101.0), torch.tensor(50.0), 0.9)
        Interval(estimate=tensor(50.), lower=tensor(5.), upper=tensor(95.))
    """
    alpha = 1 - confidence
    q = torch.tensor([alpha / 2, 1 - alpha / 2], dtype=replicates.dtype)
    lower, upper = torch.nanquantile(replicates, q.to(replicates.device), dim=0)
    return Interval(estimate, lower, upper)


@dataclass(frozen=True, eq=False)
class FairnessBootstrap:
    """Result of :func:`bootstrap_fairness`.

    Attributes:
        labels: ``(G,)`` group labels.
        rates: ``{"base_rate", "selection_rate", "tpr", "fpr", "ppv"}`` ->
            :class:`Interval` of ``(G,)`` tensors.
        disparities: every name of :data:`DISPARITIES` -> :class:`Interval`
            of 0-d tensors.
        undefined: rate name -> ``(G,)`` int64, the replicates in which the
            rate was 0 / 0 (skipped by its interval).
        counts: ``(B, G, 4)`` the replicates' counts.
        confidence: the level of the intervals.
    """

    labels: tuple
    rates: dict[str, Interval]
    disparities: dict[str, Interval]
    undefined: dict[str, Tensor]
    counts: Tensor
    confidence: float


def _warn_replicates(undefined: dict[str, Tensor], labels: tuple, n_boot: int) -> None:
    for name, k in undefined.items():
        for g in ((k > 0) & (k < n_boot)).nonzero().flatten().tolist():
            warnings.warn(
                f"{name} of group {labels[g]!r} is undefined in {int(k[g])} of "
                f"{n_boot} replicates; its intervals use the other replicates",
                UndefinedRateWarning,
                stacklevel=3,
            )


def bootstrap_fairness(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: GroupsLike,
    n_boot: int = 1000,
    confidence: float = 0.95,
    method: str = "between_groups",
    agg: str = "worst_case",
    generator: torch.Generator | None = None,
    impl: str = "multinomial",
) -> FairnessBootstrap:
    """Per-group rates and every disparity, with stratified bootstrap intervals.

    Each replicate resamples every group within itself (its size is fixed),
    keeping each patient's label, prediction and group together; fairlearn's
    ``MetricFrame(n_boot=...)`` resamples the whole cohort instead, so a small
    group's size varies between replicates. Intervals are percentile
    intervals; a replicate where a rate is 0 / 0 is left out of its interval.

    Args:
        y_true: ``(N,)`` true labels, 0/1 or bool.
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns.
        n_boot: B, the number of replicates. Defaults to 1000.
        confidence: the level of the intervals. Defaults to 0.95.
        method: ``"between_groups"`` or ``"to_overall"``, for the
            disparities. Defaults to ``"between_groups"``.
        agg: ``"worst_case"`` or ``"mean"``, for equalized odds. Defaults to
            ``"worst_case"``.
        generator: source of randomness. Defaults to None (torch's global one).
        impl: ``"multinomial"`` or ``"resample"`` (see
            :func:`bootstrap_counts`). Defaults to ``"multinomial"``.

    Returns:
        :class:`FairnessBootstrap`; estimates equal :func:`group_rates` and
        the disparity functions.

    Warns:
        UndefinedRateWarning: for a rate undefined on the data, or in some
            replicates (a small group that drew no positives).

    Raises:
        ValueError: for invalid labels, lengths, ``n_boot``, ``confidence``,
            ``method``, ``agg`` or ``impl``.

    Example:
        >>> gen = torch.Generator().manual_seed(0)
        >>> y = torch.randint(2, (400,), generator=gen)
        >>> res = bootstrap_fairness(y, y, torch.arange(400) % 2, 200, generator=gen)
        >>> res.rates["tpr"].lower.tolist()
        [1.0, 1.0]
    """
    _check_bootstrap(n_boot, confidence)
    check_choice("method", method, METHODS)
    check_choice("agg", agg, AGGS)
    check_choice("impl", impl, ("multinomial", "resample"))
    cell, g = _cells(y_true, y_pred, groups)
    counts = torch.bincount(g.codes * 4 + cell, minlength=4 * len(g)).reshape(-1, 4)
    reps = _replicates(cell, g, n_boot, generator, impl).to(counts.device)
    est, rep = rates_from_counts(counts), rates_from_counts(reps)
    _warn_undefined(est, ("tpr", "fpr", "ppv"), g.labels)
    undefined = {r: torch.isnan(rep[r]).sum(0) for r in RATES}
    _warn_replicates(undefined, g.labels, n_boot)
    rates = {r: percentile_interval(rep[r], est[r], confidence) for r in RATES}
    disparities = {
        name: percentile_interval(
            disparity_from_counts(reps, name, method, agg),
            disparity_from_counts(counts, name, method, agg),
            confidence,
        )
        for name in DISPARITIES
    }
    return FairnessBootstrap(g.labels, rates, disparities, undefined, reps, confidence)


def bootstrap_metric_by_group(
    metric: Callable[..., float],
    *tensors: Tensor,
    groups: GroupsLike,
    n_boot: int = 200,
    confidence: float = 0.95,
    generator: torch.Generator | None = None,
) -> Interval:
    """Any metric per group (e.g. ``roc_auc``) with stratified bootstrap intervals.

    One call of ``metric`` per group and replicate (a loop, unlike the
    vectorised :func:`bootstrap_fairness`); a replicate where the metric raises
    ``ValueError`` (a resampled group with a single class for an AUC) or
    returns NaN is skipped.

    Args:
        metric: a function of the tensors returning a float.
        *tensors: tensors with N entries along the first axis.
        groups: group ids or columns, keyword only.
        n_boot: B, the number of replicates. Defaults to 200.
        confidence: the level. Defaults to 0.95.
        generator: source of randomness. Defaults to None (torch's global one).

    Returns:
        :class:`Interval` of ``(G,)`` float64 tensors.

    Raises:
        ValueError: for invalid groups, lengths, ``n_boot`` or ``confidence``,
            or a metric that fails on the data itself.

    Example:
        >>> from medlearn.metrics import roc_auc
        >>> s, y = torch.tensor([0.1, 0.9, 0.4, 0.3] * 5), torch.tensor([0, 1, 1, 0] * 5)
        >>> bootstrap_metric_by_group(roc_auc, s, y, groups=torch.arange(20) % 2, n_boot=20).lower
        tensor([1., 1.], dtype=torch.float64)
    """
    _check_bootstrap(n_boot, confidence)
    g = encode_groups(groups)
    estimate = metric_by_group(metric, *tensors, groups=g)
    tensors = tuple(torch.as_tensor(t) for t in tensors)
    idx = stratified_bootstrap_indices(g, n_boot, generator)  # (B, N)
    reps = torch.full((n_boot, len(g)), float("nan"), dtype=torch.float64)
    for b in range(n_boot):
        for k in range(len(g)):
            rows = idx[b][g.codes.to(idx.device) == k]  # resampled rows of group k
            try:
                reps[b, k] = float(metric(*(t[rows.to(t.device)] for t in tensors)))
            except ValueError:
                pass  # undefined in this replicate: stays NaN, skipped
    return percentile_interval(reps, estimate, confidence)
