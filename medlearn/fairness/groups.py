"""Groups of patients, and how a classifier does in each group.

Groups come as one column of ids (sex, site) or as several columns whose
combinations are the intersectional subgroups (sex × age band × site). They are
encoded once into :class:`Groups`: a code in ``[0, G)`` per sample and the
label of each code, sorted (the order of pandas' ``groupby`` and so of
fairlearn's ``MetricFrame.by_group``). Only combinations that occur are groups;
fairlearn also lists the empty ones, as NaN rows.

Rates come from the confusion counts of each group, kept in the last axis in
scikit-learn's ``confusion_matrix(...).ravel()`` order ``(tn, fp, fn, tp)``,
so that bootstrap replicates ``(B, G, 4)`` go through the same code as the
data ``(G, 4)``. A rate whose denominator is zero in a group (a TPR where the
group has no positives) is NaN, with an :class:`UndefinedRateWarning`.

See chapter 09 (fairness).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from medlearn.fairness.inputs import (
    ArrayLike,
    GroupsLike,
    _check_lengths,
    _vector,
    as_binary,
)

__all__ = [
    "UndefinedRateWarning",
    "Groups",
    "encode_groups",
    "confusion_by_group",
    "rates_from_counts",
    "GroupRates",
    "group_rates",
    "metric_by_group",
]

TN, FP, FN, TP = range(4)
# what a rate divides by, and what is missing when that is zero
RATE_NEEDS = {
    "base_rate": "samples",
    "selection_rate": "samples",
    "tpr": "positives (y_true = 1)",
    "fpr": "negatives (y_true = 0)",
    "ppv": "predicted positives (y_pred = 1)",
}


class UndefinedRateWarning(RuntimeWarning):
    """A rate is 0 / 0 in some group (e.g. a TPR in a group without positives)."""


@dataclass(frozen=True, eq=False)
class Groups:
    """Samples encoded by group.

    Attributes:
        codes: ``(N,)`` int64, the group of each sample, in ``[0, G)``.
        labels: ``(G,)`` tuple, the value of each group: a Python scalar for
            one column, a tuple with one entry per column for subgroups.
        names: the column names, where the columns came in a dict.

    Raises:
        ValueError: if a group has no samples (size 0).
    """

    codes: Tensor
    labels: tuple
    names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        empty = [self.labels[g] for g in (self.sizes == 0).nonzero().flatten().tolist()]
        if empty:
            raise ValueError(
                f"groups: group(s) {empty} have no samples (size 0); rates in an "
                "empty group are undefined: drop the level or collect data"
            )

    @property
    def sizes(self) -> Tensor:
        """``(G,)`` int64, the number of samples in each group."""
        return torch.bincount(self.codes, minlength=len(self.labels))

    def __len__(self) -> int:
        return len(self.labels)


def _columns(groups: GroupsLike) -> tuple[tuple[str, ...] | None, list]:
    """Split ``groups`` into 1-D columns (and their names, for a dict)."""
    if isinstance(groups, Mapping):
        return tuple(str(k) for k in groups), list(groups.values())
    if isinstance(groups, (Tensor, np.ndarray)):
        if groups.ndim == 2:
            return None, [groups[:, k] for k in range(groups.shape[1])]
        return None, [groups]
    if isinstance(groups, (list, tuple)):
        arraylike = (Tensor, np.ndarray, list, tuple)
        if groups and all(isinstance(c, arraylike) for c in groups):
            return None, list(groups)  # several columns
        return None, [groups]
    raise TypeError(
        "groups: expected a tensor, array or list of group ids, several columns "
        f"(a 2-D (N, K) tensor, a list or a dict of columns), got {type(groups).__name__}"
    )


def _encode_column(column: ArrayLike, name: str) -> tuple[Tensor, list]:
    """Codes ``(N,)`` and sorted distinct values of one column."""
    column = _vector(column, name)
    if isinstance(column, Tensor):
        if column.is_floating_point() and torch.isnan(column).any():
            raise ValueError(f"{name}: contains NaN; every sample needs a group")
        values, codes = torch.unique(column, return_inverse=True)
        return codes.long(), values.tolist()
    if column.dtype.kind == "f" and np.isnan(column).any():
        raise ValueError(f"{name}: contains NaN; every sample needs a group")
    values, codes = np.unique(column, return_inverse=True)
    return torch.from_numpy(codes.astype(np.int64).reshape(-1)), values.tolist()


def _relevel(codes: Tensor, labels: list, levels: Sequence) -> Tensor:
    """Codes of ``labels`` re-expressed as positions in ``levels``."""
    position = {level: i for i, level in enumerate(levels)}
    unknown = [label for label in labels if label not in position]
    if unknown:
        raise ValueError(
            f"groups: value(s) {unknown[:5]} are not among the levels {list(levels)}"
        )
    remap = torch.tensor([position[label] for label in labels], dtype=torch.long)
    return remap.to(codes.device)[codes]


def encode_groups(groups: GroupsLike, levels: Sequence | None = None) -> Groups:
    """Encode group ids, or the combinations of several columns, as :class:`Groups`.

    Args:
        groups: ``(N,)`` group ids (tensor, array or list: ints, strings,
            floats), or several columns: an ``(N, K)`` tensor or array, a list
            of K ``(N,)`` columns, or a dict ``{name: (N,) column}``; each
            combination that occurs is a subgroup. A :class:`Groups` passes
            through unchanged.
        levels: the expected groups, in order (tuples for several columns),
            e.g. every site of a study. Defaults to None (the sorted distinct
            values or combinations that occur).

    Returns:
        :class:`Groups` with ``codes`` ``(N,)`` and ``labels`` ``(G,)``.

    Raises:
        TypeError: for groups of another type.
        ValueError: for columns of different lengths, empty columns, NaN ids,
            values not in ``levels``, or a level with no samples.

    Example:
        >>> g = encode_groups({"sex": ["F", "M", "F"], "site": [1, 1, 2]})
        >>> g.labels, g.codes.tolist()
        ((('F', 1), ('F', 2), ('M', 1)), [0, 2, 1])
    """
    if isinstance(groups, Groups):
        if levels is None:
            return groups
        codes = _relevel(groups.codes, list(groups.labels), levels)
        return Groups(codes, tuple(levels), groups.names)
    names, columns = _columns(groups)
    encoded = [_encode_column(c, f"groups column {k}") for k, c in enumerate(columns)]
    lengths = {len(codes) for codes, _ in encoded}
    if len(lengths) != 1:
        raise ValueError(f"groups: columns have different lengths {sorted(lengths)}")
    if len(encoded) == 1:
        codes, labels = encoded[0]
    else:
        device = encoded[0][0].device
        stacked = torch.stack([c.to(device) for c, _ in encoded], dim=1)  # (N, K)
        combos, codes = torch.unique(stacked, dim=0, return_inverse=True)  # (G, K)
        values = [v for _, v in encoded]
        labels = [tuple(v[i] for v, i in zip(values, row)) for row in combos.tolist()]
    if levels is not None:
        codes, labels = _relevel(codes, labels, levels), list(levels)
    return Groups(codes, tuple(labels), names)


def _cells(
    y_true: ArrayLike, y_pred: ArrayLike, groups: GroupsLike
) -> tuple[Tensor, Groups]:
    """Validated inputs as one cell per sample ``(N,)`` (0 tn, 1 fp, 2 fn, 3 tp).

    The cells and the groups' codes are on ``y_pred``'s device.
    """
    t, p = as_binary(y_true, "y_true"), as_binary(y_pred, "y_pred")
    g = encode_groups(groups)
    _check_lengths(y_true=t, y_pred=p, groups=g.codes)
    g = Groups(g.codes.to(p.device), g.labels, g.names)
    return 2 * t.to(p.device).long() + p.long(), g


def confusion_by_group(
    y_true: ArrayLike, y_pred: ArrayLike, groups: GroupsLike
) -> tuple[Tensor, Groups]:
    """Confusion counts of each group: ``(G, 4)`` int64 in the order (tn, fp, fn, tp).

    Args:
        y_true: ``(N,)`` true labels, 0/1 or bool.
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: group ids or columns, as :func:`encode_groups` takes them.

    Returns:
        ``(counts, groups)``: the ``(G, 4)`` counts (on ``y_pred``'s device)
        and the encoded :class:`Groups`.

    Raises:
        ValueError: for labels other than 0/1 or mismatched lengths.

    Example:
        >>> counts, g = confusion_by_group([0, 1, 1, 0], [0, 1, 0, 1], [0, 0, 1, 1])
        >>> counts.tolist()
        [[1, 0, 0, 1], [0, 1, 1, 0]]
    """
    cell, g = _cells(y_true, y_pred, groups)
    flat = g.codes * 4 + cell
    return torch.bincount(flat, minlength=4 * len(g)).reshape(len(g), 4), g


def rates_from_counts(counts: Tensor) -> dict[str, Tensor]:
    """Base rate, selection rate, TPR, FPR and PPV from counts ``(..., 4)``.

    Args:
        counts: ``(..., 4)`` confusion counts in the order (tn, fp, fn, tp).

    Returns:
        ``{"base_rate", "selection_rate", "tpr", "fpr", "ppv"}``, each float64
        of shape ``(...)``; NaN where the denominator is zero (no warning here).

    Example:
        >>> rates_from_counts(torch.tensor([3, 1, 0, 0]))["tpr"]
        tensor(nan, dtype=torch.float64)
    """
    tn, fp, fn, tp = counts.double().unbind(-1)
    n = tn + fp + fn + tp
    return {
        "base_rate": (tp + fn) / n,
        "selection_rate": (tp + fp) / n,
        "tpr": tp / (tp + fn),
        "fpr": fp / (fp + tn),
        "ppv": tp / (tp + fp),
    }


def _warn_undefined(
    rates: dict[str, Tensor], names: Sequence[str], labels: tuple
) -> None:
    for name in names:
        bad = torch.isnan(rates[name]).nonzero().flatten().tolist()
        if bad:
            warnings.warn(
                f"{name} is undefined (0 / 0, NaN) in group(s) "
                f"{[labels[g] for g in bad]}: no {RATE_NEEDS[name]}",
                UndefinedRateWarning,
                stacklevel=3,
            )


class GroupRates(NamedTuple):
    """Per-group rates, each ``(G,)`` float64 (``count`` int64, ``counts`` ``(G, 4)``)."""

    labels: tuple
    count: Tensor
    base_rate: Tensor
    selection_rate: Tensor
    tpr: Tensor
    fpr: Tensor
    ppv: Tensor
    counts: Tensor


def group_rates(y_true: ArrayLike, y_pred: ArrayLike, groups: GroupsLike) -> GroupRates:
    """Selection rate, TPR, FPR and PPV of each group (and its size and base rate).

    Selection rate ``P(ŷ=1 | A=a)``, TPR ``P(ŷ=1 | Y=1, A=a)``, FPR
    ``P(ŷ=1 | Y=0, A=a)``, PPV ``P(Y=1 | ŷ=1, A=a)``, base rate
    ``P(Y=1 | A=a)``: fairlearn's ``selection_rate``, ``true_positive_rate``,
    ``false_positive_rate`` and scikit-learn's ``precision_score`` per group,
    except for an undefined rate: fairlearn 0.15 (through scikit-learn's
    ``confusion_matrix(normalize="true")``) silently returns 0 for the TPR of
    a group without positives; here it is NaN, with a warning.

    Args:
        y_true: ``(N,)`` true labels, 0/1 or bool.
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: group ids or columns, as :func:`encode_groups` takes them.

    Returns:
        :class:`GroupRates`, each rate ``(G,)`` in the order of ``labels``.

    Warns:
        UndefinedRateWarning: for a TPR, FPR or PPV with a zero denominator.

    Raises:
        ValueError: for labels other than 0/1 or mismatched lengths.

    Example:
        >>> r = group_rates([1, 0, 1, 0, 1], [1, 0, 0, 1, 1], ["a", "a", "b", "b", "b"])
        >>> r.labels, r.tpr.tolist(), r.fpr.tolist(), r.ppv.tolist()
        (('a', 'b'), [1.0, 0.5], [0.0, 1.0], [1.0, 0.5])
    """
    counts, g = confusion_by_group(y_true, y_pred, groups)
    rates = rates_from_counts(counts)
    _warn_undefined(rates, ("tpr", "fpr", "ppv"), g.labels)
    return GroupRates(g.labels, counts.sum(-1), **rates, counts=counts)


def metric_by_group(
    metric: Callable[..., float], *tensors: Tensor, groups: GroupsLike
) -> Tensor:
    """Any metric (e.g. from :mod:`medlearn.metrics`) computed within each group.

    Each tensor is split along its first axis (one entry per sample), and
    ``metric`` is called on the rows of each group, e.g.
    ``metric_by_group(roc_auc, scores, labels, groups=site)``. For masks
    ``(N, H, W)`` and ``medlearn.metrics.dice`` this pools the voxels of the
    group's patients (Dice counts a batch as one set of voxels).

    Args:
        metric: a function of the tensors returning a float.
        *tensors: tensors (or arrays) with N entries along the first axis.
        groups: group ids or columns, keyword only, as :func:`encode_groups`
            takes them.

    Returns:
        ``(G,)`` float64, the metric of each group (NaN where it returns NaN).

    Raises:
        ValueError: for mismatched lengths, or when the metric fails in a
            group (the message names the group).

    Example:
        >>> from medlearn.metrics import roc_auc
        >>> s, y = torch.tensor([0.1, 0.9, 0.4, 0.3]), torch.tensor([0, 1, 1, 0])
        >>> metric_by_group(roc_auc, s, y, groups=torch.tensor([0, 0, 1, 1]))
        tensor([1., 1.], dtype=torch.float64)
    """
    g = encode_groups(groups)
    tensors = tuple(torch.as_tensor(t) for t in tensors)
    _check_lengths(groups=g.codes, **{f"tensor {i}": t for i, t in enumerate(tensors)})
    values = []
    for k, label in enumerate(g.labels):
        rows = (g.codes == k).nonzero().flatten()
        try:
            values.append(float(metric(*(t[rows.to(t.device)] for t in tensors))))
        except ValueError as err:
            raise ValueError(f"metric failed in group {label!r}: {err}") from err
    return torch.tensor(values, dtype=torch.float64)
