"""Demographic parity, equalized odds and equal opportunity, on fairlearn's conventions.

Demographic parity compares selection rates ``P(ŷ=1 | A=a)``; equalized odds
compares TPR and FPR (the diagnostic trade-off); equal opportunity compares
the TPR only. Each is a *difference* or a *ratio* over the groups, as in
fairlearn 0.15 (``MetricFrame.difference`` / ``.ratio``):

* ``method="between_groups"``: difference ``max_a r_a − min_a r_a`` (never
  negative), ratio ``min_a r_a / max_a r_a`` (at most 1);
* ``method="to_overall"``: difference ``max_a |r_a − r|`` against the rate
  ``r`` of all samples; ratio ``min_a`` of ``r_a / r`` or its inverse,
  whichever is at most 1.

Equalized odds combines the TPR and FPR values with ``agg="worst_case"``
(the larger difference, the smaller ratio) or ``agg="mean"`` (their mean).
Where fairlearn silently uses 0 for an undefined TPR or FPR (a group without
positives or negatives), the result here is NaN, with a warning. The signed
"unprivileged − privileged" forms of aif360 are in
:mod:`medlearn.fairness.signed`.

The ``*_from_counts`` functions take confusion counts ``(..., G, 4)`` so that
bootstrap and permutation replicates reuse them. See chapter 09 (fairness).
"""

from __future__ import annotations

import torch
from torch import Tensor

from medlearn._helpers import check_choice
from medlearn.fairness.groups import (
    _warn_undefined,
    confusion_by_group,
    rates_from_counts,
)
from medlearn.fairness.inputs import ArrayLike, GroupsLike, as_binary

__all__ = [
    "DISPARITIES",
    "group_difference",
    "group_ratio",
    "disparity_from_counts",
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
]

METHODS = ("between_groups", "to_overall")
AGGS = ("worst_case", "mean")
# name -> (rates compared, "difference" or "ratio")
DISPARITIES = {
    "demographic_parity_difference": (("selection_rate",), "difference"),
    "demographic_parity_ratio": (("selection_rate",), "ratio"),
    "equalized_odds_difference": (("tpr", "fpr"), "difference"),
    "equalized_odds_ratio": (("tpr", "fpr"), "ratio"),
    "equal_opportunity_difference": (("tpr",), "difference"),
    "equal_opportunity_ratio": (("tpr",), "ratio"),
}


def group_difference(
    values: Tensor, overall: Tensor, method: str = "between_groups"
) -> Tensor:
    """fairlearn's ``MetricFrame.difference`` on per-group values ``(..., G)``.

    Args:
        values: ``(..., G)`` a rate of each group.
        overall: ``(...)`` the same rate over all samples (for ``to_overall``).
        method: ``"between_groups"`` (max − min) or ``"to_overall"``
            (``max |value − overall|``). Defaults to ``"between_groups"``.

    Returns:
        ``(...)``; NaN where any group's value is NaN.

    Example:
        >>> group_difference(torch.tensor([0.2, 0.5, 0.3]), torch.tensor(0.4))
        tensor(0.3000)
    """
    check_choice("method", method, METHODS)
    if method == "between_groups":
        return values.amax(-1) - values.amin(-1)
    return (values - overall.unsqueeze(-1)).abs().amax(-1)


def group_ratio(
    values: Tensor, overall: Tensor, method: str = "between_groups"
) -> Tensor:
    """fairlearn's ``MetricFrame.ratio`` on per-group values ``(..., G)``.

    Args:
        values: ``(..., G)`` a rate of each group.
        overall: ``(...)`` the same rate over all samples (for ``to_overall``).
        method: ``"between_groups"`` (min / max) or ``"to_overall"`` (the
            smallest of ``value / overall`` folded into [0, 1]). Defaults to
            ``"between_groups"``.

    Returns:
        ``(...)`` in [0, 1]; NaN where any value is NaN or for 0 / 0.

    Example:
        >>> group_ratio(torch.tensor([0.2, 0.5]), torch.tensor(0.4))
        tensor(0.4000)
    """
    check_choice("method", method, METHODS)
    if method == "between_groups":
        return values.amin(-1) / values.amax(-1)
    r = values / overall.unsqueeze(-1)
    return torch.where(r > 1, 1 / r, r).amin(-1)


def disparity_from_counts(
    counts: Tensor, name: str, method: str = "between_groups", agg: str = "worst_case"
) -> Tensor:
    """One of :data:`DISPARITIES` from confusion counts ``(..., G, 4)``.

    Args:
        counts: ``(..., G, 4)`` counts (tn, fp, fn, tp) of each group.
        name: a key of :data:`DISPARITIES`, e.g. ``"equalized_odds_difference"``.
        method: ``"between_groups"`` or ``"to_overall"``. Defaults to
            ``"between_groups"``.
        agg: for equalized odds, ``"worst_case"`` or ``"mean"`` of the TPR and
            FPR values. Defaults to ``"worst_case"``.

    Returns:
        ``(...)`` float64; NaN where a rate it needs is undefined.

    Raises:
        ValueError: for an unknown ``name``, ``method`` or ``agg``.

    Example:
        >>> c = torch.tensor([[5, 5, 5, 5], [8, 2, 2, 8]])  # (G, 4)
        >>> disparity_from_counts(c, "equalized_odds_difference")
        tensor(0.3000, dtype=torch.float64)
    """
    check_choice("name", name, tuple(DISPARITIES))
    check_choice("agg", agg, AGGS)
    rates, kind = DISPARITIES[name]
    per_group = rates_from_counts(counts)
    overall = rates_from_counts(counts.sum(-2))
    compare = group_difference if kind == "difference" else group_ratio
    parts = torch.stack([compare(per_group[r], overall[r], method) for r in rates])
    if len(rates) == 1:
        return parts[0]
    if agg == "mean":
        return parts.mean(0)
    return parts.amax(0) if kind == "difference" else parts.amin(0)


def _disparity(
    name: str,
    y_true: ArrayLike | None,
    y_pred: ArrayLike,
    groups: GroupsLike,
    method: str,
    agg: str,
) -> float:
    check_choice("method", method, METHODS)
    check_choice("agg", agg, AGGS)
    if y_true is None:  # demographic parity needs predictions only
        y_true = torch.zeros_like(as_binary(y_pred, "y_pred"))
    counts, g = confusion_by_group(y_true, y_pred, groups)
    _warn_undefined(rates_from_counts(counts), DISPARITIES[name][0], g.labels)
    return float(disparity_from_counts(counts, name, method, agg))


def demographic_parity_difference(
    y_pred: ArrayLike, groups: GroupsLike, method: str = "between_groups"
) -> float:
    """Largest gap in selection rate ``P(ŷ=1 | A=a)`` between groups.

    Equal to ``fairlearn.metrics.demographic_parity_difference`` (which also
    takes a ``y_true`` it does not use).

    Args:
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns (see
            :func:`~medlearn.fairness.encode_groups`).
        method: ``"between_groups"`` (max − min) or ``"to_overall"``
            (``max |rate − overall rate|``). Defaults to ``"between_groups"``.

    Returns:
        The difference in [0, 1]; 0 means equal selection rates.

    Raises:
        ValueError: for labels other than 0/1, mismatched lengths or an
            unknown ``method``.

    Example:
        >>> demographic_parity_difference([1, 1, 0, 1, 0, 0], [0, 0, 0, 1, 1, 1])
        0.3333333333333333
    """
    return _disparity(
        "demographic_parity_difference", None, y_pred, groups, method, "worst_case"
    )


def demographic_parity_ratio(
    y_pred: ArrayLike, groups: GroupsLike, method: str = "between_groups"
) -> float:
    """Smallest ratio of selection rates between groups (fairlearn's convention).

    Args:
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns.
        method: ``"between_groups"`` (min / max) or ``"to_overall"``.
            Defaults to ``"between_groups"``.

    Returns:
        The ratio in [0, 1]; 1 means equal selection rates (NaN if no group
        selects anyone).

    Raises:
        ValueError: for labels other than 0/1, mismatched lengths or an
            unknown ``method``.

    Example:
        >>> demographic_parity_ratio([1, 1, 0, 1, 0, 0], [0, 0, 0, 1, 1, 1])
        0.5
    """
    return _disparity(
        "demographic_parity_ratio", None, y_pred, groups, method, "worst_case"
    )


def equalized_odds_difference(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: GroupsLike,
    method: str = "between_groups",
    agg: str = "worst_case",
) -> float:
    """Largest gap in TPR and FPR between groups (fairlearn's convention).

    ``agg="worst_case"`` returns the larger of the TPR difference and the FPR
    difference, ``agg="mean"`` their mean, as fairlearn 0.15's
    ``equalized_odds_difference(..., agg=...)``. A group without positives
    (or negatives) has no TPR (FPR): the result is NaN with an
    :class:`~medlearn.fairness.UndefinedRateWarning`, where fairlearn 0.15
    silently counts that rate as 0.

    Args:
        y_true: ``(N,)`` true labels, 0/1 or bool.
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns.
        method: ``"between_groups"`` or ``"to_overall"``. Defaults to
            ``"between_groups"``.
        agg: ``"worst_case"`` or ``"mean"``. Defaults to ``"worst_case"``.

    Returns:
        The difference in [0, 1]; 0 means equal TPR and FPR in every group.

    Warns:
        UndefinedRateWarning: if a group's TPR or FPR is undefined.

    Raises:
        ValueError: for labels other than 0/1, mismatched lengths or an
            unknown ``method`` or ``agg``.

    Example:
        >>> y, p, g = [1, 1, 0, 0, 1, 1, 0, 0], [1, 1, 0, 0, 1, 0, 1, 0], [0] * 4 + [1] * 4
        >>> equalized_odds_difference(y, p, g), equalized_odds_difference(y, p, g, agg="mean")
        (0.5, 0.5)
    """
    return _disparity("equalized_odds_difference", y_true, y_pred, groups, method, agg)


def equalized_odds_ratio(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: GroupsLike,
    method: str = "between_groups",
    agg: str = "worst_case",
) -> float:
    """Smallest ratio of TPRs and FPRs between groups (fairlearn's convention).

    ``agg="worst_case"``: the smaller of the TPR ratio and the FPR ratio;
    ``agg="mean"``: their mean. NaN with a warning for an undefined rate, and
    NaN (no warning) when a ratio is 0 / 0, e.g. no group has a false
    positive; there fairlearn 0.15's built-in ``min`` returns whichever
    comes first, the TPR ratio.

    Args:
        y_true: ``(N,)`` true labels, 0/1 or bool.
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns.
        method: ``"between_groups"`` or ``"to_overall"``. Defaults to
            ``"between_groups"``.
        agg: ``"worst_case"`` or ``"mean"``. Defaults to ``"worst_case"``.

    Returns:
        The ratio in [0, 1]; 1 means equal TPR and FPR in every group.

    Warns:
        UndefinedRateWarning: if a group's TPR or FPR is undefined.

    Raises:
        ValueError: for labels other than 0/1, mismatched lengths or an
            unknown ``method`` or ``agg``.

    Example:
        >>> y, p, g = [1, 1, 0, 0, 1, 1, 0, 0], [1, 1, 0, 0, 1, 0, 1, 0], [0] * 4 + [1] * 4
        >>> equalized_odds_ratio(y, p, g)
        0.0
    """
    return _disparity("equalized_odds_ratio", y_true, y_pred, groups, method, agg)


def equal_opportunity_difference(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: GroupsLike,
    method: str = "between_groups",
) -> float:
    """Largest gap in TPR between groups (fairlearn's absolute convention).

    For aif360's signed ``TPR(unprivileged) − TPR(privileged)`` see
    :func:`medlearn.fairness.signed.equal_opportunity_difference`.

    Args:
        y_true: ``(N,)`` true labels, 0/1 or bool.
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns.
        method: ``"between_groups"`` or ``"to_overall"``. Defaults to
            ``"between_groups"``.

    Returns:
        The difference in [0, 1]; NaN with a warning if a group has no
        positives (fairlearn 0.15 uses a TPR of 0 there).

    Warns:
        UndefinedRateWarning: if a group has no positives.

    Raises:
        ValueError: for labels other than 0/1, mismatched lengths or an
            unknown ``method``.

    Example:
        >>> equal_opportunity_difference([1, 1, 1, 1], [1, 1, 1, 0], [0, 0, 1, 1])
        0.5
    """
    return _disparity(
        "equal_opportunity_difference", y_true, y_pred, groups, method, "worst_case"
    )


def equal_opportunity_ratio(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: GroupsLike,
    method: str = "between_groups",
) -> float:
    """Smallest ratio of TPRs between groups (fairlearn's convention).

    Args:
        y_true: ``(N,)`` true labels, 0/1 or bool.
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns.
        method: ``"between_groups"`` or ``"to_overall"``. Defaults to
            ``"between_groups"``.

    Returns:
        The ratio in [0, 1]; NaN with a warning if a group has no positives.

    Warns:
        UndefinedRateWarning: if a group has no positives.

    Raises:
        ValueError: for labels other than 0/1, mismatched lengths or an
            unknown ``method``.

    Example:
        >>> equal_opportunity_ratio([1, 1, 1, 1], [1, 1, 1, 0], [0, 0, 1, 1])
        0.5
    """
    return _disparity(
        "equal_opportunity_ratio", y_true, y_pred, groups, method, "worst_case"
    )
