"""Signed "unprivileged − privileged" disparities, on aif360's conventions.

fairlearn's differences (:mod:`medlearn.fairness.disparity`) are absolute:
they say how large a gap is, not who is behind. aif360's ``ClassificationMetric``
names a privileged set of groups and reports ``rate(unprivileged) −
rate(privileged)`` (and a ratio ``rate(unprivileged) / rate(privileged)``), so
a negative statistical parity difference means the unprivileged side is
selected less often. Each side pools the samples of its groups (aif360's
condition ``[{"sex": 0}, {"sex": 2}]`` is an "or"); the unprivileged side is
every group not named privileged unless given. The names here are aif360's;
they live in this module so that ``equal_opportunity_difference`` does not
collide with fairlearn's absolute one.

See chapter 09 (fairness).
"""

from __future__ import annotations

import torch

from medlearn.fairness.groups import (
    _warn_undefined,
    confusion_by_group,
    rates_from_counts,
)
from medlearn.fairness.inputs import ArrayLike, GroupLabels, GroupsLike, as_binary

__all__ = [
    "statistical_parity_difference",
    "disparate_impact",
    "equal_opportunity_difference",
    "average_odds_difference",
]


def _as_set(chosen: GroupLabels, labels: tuple, name: str) -> set:
    """A group label, or a collection of them, as a set of known labels."""
    if isinstance(chosen, (list, set, frozenset)) or (
        isinstance(chosen, tuple) and chosen not in labels
    ):
        chosen = set(chosen)
    else:
        chosen = {chosen}
    unknown = [c for c in chosen if c not in labels]
    if unknown or not chosen:
        raise ValueError(
            f"{name}: expected group labels among {list(labels)}, got {sorted(map(repr, chosen))}"
        )
    return chosen


def _two_sides(
    y_true: ArrayLike | None,
    y_pred: ArrayLike,
    groups: GroupsLike,
    privileged: GroupLabels,
    unprivileged: GroupLabels | None,
) -> dict:
    """Rates of the unprivileged (index 0) and privileged (index 1) sides, each (2,)."""
    if y_true is None:  # parity needs predictions only
        y_true = as_binary(y_pred, "y_pred") & False
    counts, g = confusion_by_group(y_true, y_pred, groups)
    priv = _as_set(privileged, g.labels, "privileged")
    if unprivileged is None:
        unpriv = set(g.labels) - priv
    else:
        unpriv = _as_set(unprivileged, g.labels, "unprivileged")
    if not unpriv or unpriv & priv:
        raise ValueError(
            f"privileged {sorted(map(repr, priv))} and unprivileged "
            f"{sorted(map(repr, unpriv))}: expected two disjoint, non-empty sets"
        )
    members = [
        [k for k, label in enumerate(g.labels) if label in s] for s in (unpriv, priv)
    ]
    sides = torch.stack([counts[k].sum(0) for k in members])  # (2, 4): pooled counts
    return rates_from_counts(sides)


def statistical_parity_difference(
    y_pred: ArrayLike,
    groups: GroupsLike,
    privileged: GroupLabels,
    unprivileged: GroupLabels | None = None,
) -> float:
    """``P(ŷ=1 | unprivileged) − P(ŷ=1 | privileged)``, aif360's signed parity gap.

    Args:
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns (see
            :func:`~medlearn.fairness.encode_groups`).
        privileged: the label of the privileged group, or a list of labels.
        unprivileged: label(s) of the other side. Defaults to None (every
            group not privileged).

    Returns:
        The signed difference in [−1, 1]; negative when the unprivileged side
        is selected less often.

    Raises:
        ValueError: for labels other than 0/1, mismatched lengths, unknown or
            overlapping group labels.

    Example:
        >>> statistical_parity_difference([1, 1, 0, 1, 0, 0], ["m"] * 3 + ["f"] * 3, "m")
        -0.3333333333333333
    """
    r = _two_sides(None, y_pred, groups, privileged, unprivileged)["selection_rate"]
    return float(r[0] - r[1])


def disparate_impact(
    y_pred: ArrayLike,
    groups: GroupsLike,
    privileged: GroupLabels,
    unprivileged: GroupLabels | None = None,
) -> float:
    """``P(ŷ=1 | unprivileged) / P(ŷ=1 | privileged)``, aif360's disparate impact.

    Not folded into [0, 1] (unlike fairlearn's ratios): above 1 when the
    unprivileged side is selected more often; the "four-fifths rule" flags
    values below 0.8.

    Args:
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns.
        privileged: the label of the privileged group, or a list of labels.
        unprivileged: label(s) of the other side. Defaults to None (every
            group not privileged).

    Returns:
        The ratio, ≥ 0 (inf or NaN when the privileged side selects no one).

    Raises:
        ValueError: for labels other than 0/1, mismatched lengths, unknown or
            overlapping group labels.

    Example:
        >>> disparate_impact([1, 1, 0, 1, 0, 0], ["m"] * 3 + ["f"] * 3, "m")
        0.5
    """
    r = _two_sides(None, y_pred, groups, privileged, unprivileged)["selection_rate"]
    return float(r[0] / r[1])


def equal_opportunity_difference(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: GroupsLike,
    privileged: GroupLabels,
    unprivileged: GroupLabels | None = None,
) -> float:
    """``TPR(unprivileged) − TPR(privileged)``, aif360's signed equal opportunity.

    aif360's ``ClassificationMetric.equal_opportunity_difference`` (also its
    ``true_positive_rate_difference``). NaN with a warning if a side has no
    positives.

    Args:
        y_true: ``(N,)`` true labels, 0/1 or bool.
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns.
        privileged: the label of the privileged group, or a list of labels.
        unprivileged: label(s) of the other side. Defaults to None (every
            group not privileged).

    Returns:
        The signed difference in [−1, 1]; negative when the unprivileged side
        has the lower sensitivity.

    Warns:
        UndefinedRateWarning: if a side has no positives.

    Raises:
        ValueError: for labels other than 0/1, mismatched lengths, unknown or
            overlapping group labels.

    Example:
        >>> equal_opportunity_difference([1, 1, 1, 1], [1, 1, 1, 0], [0, 0, 1, 1], 0)
        -0.5
    """
    r = _two_sides(y_true, y_pred, groups, privileged, unprivileged)
    _warn_undefined(r, ("tpr",), ("unprivileged", "privileged"))
    return float(r["tpr"][0] - r["tpr"][1])


def average_odds_difference(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: GroupsLike,
    privileged: GroupLabels,
    unprivileged: GroupLabels | None = None,
) -> float:
    """Mean of the signed FPR and TPR gaps, aif360's ``average_odds_difference``.

    ``((FPR_u − FPR_p) + (TPR_u − TPR_p)) / 2``: gaps of opposite sign cancel,
    so 0 does not mean equalized odds (check both rates, or fairlearn's
    absolute :func:`~medlearn.fairness.equalized_odds_difference`).

    Args:
        y_true: ``(N,)`` true labels, 0/1 or bool.
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns.
        privileged: the label of the privileged group, or a list of labels.
        unprivileged: label(s) of the other side. Defaults to None (every
            group not privileged).

    Returns:
        The signed mean gap in [−1, 1].

    Warns:
        UndefinedRateWarning: if a side has no positives or no negatives.

    Raises:
        ValueError: for labels other than 0/1, mismatched lengths, unknown or
            overlapping group labels.

    Example:
        >>> y, p = [1, 1, 0, 0, 1, 1, 0, 0], [1, 1, 0, 0, 1, 0, 1, 0]
        >>> average_odds_difference(y, p, [0] * 4 + [1] * 4, privileged=0)
        0.0
    """
    r = _two_sides(y_true, y_pred, groups, privileged, unprivileged)
    _warn_undefined(r, ("tpr", "fpr"), ("unprivileged", "privileged"))
    return float(0.5 * ((r["fpr"][0] - r["fpr"][1]) + (r["tpr"][0] - r["tpr"][1])))
