"""Splitting a cohort by patient: no patient in two splits, strata kept in proportion.

A patient's scans (follow-ups, several sites) are not independent samples: a
model that saw one of them has seen the patient. So the unit of splitting is
the patient, never the image (:func:`split_by_image` is the leaky control a
chapter compares with). Stratifying by site and group keeps every split's mix
of sites and groups close to the cohort's.

How patients are dealt out: patients are ordered by stratum, shuffled within
it, and then each in turn goes to the split that is furthest below its share
so far (largest deficit ``f_j * (i + 1) - n_j``, ties to the earlier split).
Every split then holds its share of all patients to within one patient, and of
every stratum to within two, however small the strata.

See chapter 11 (capstone).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from medlearn._helpers import check_positive_int

__all__ = [
    "encode_ids",
    "allocate",
    "split_by_patient",
    "split_by_image",
    "kfold_by_patient",
]

IdsLike = Tensor | Sequence[object]


def encode_ids(ids: IdsLike, name: str = "patient_ids") -> Tensor:
    """Integer codes ``0..P-1`` for ids of any hashable type, by first appearance.

    Args:
        ids: ``(N,)`` ids (ints, strings, a 1-D tensor).
        name: the argument's name, for errors. Defaults to "patient_ids".

    Returns:
        ``(N,)`` int64 codes; equal ids get equal codes.

    Raises:
        ValueError: for an empty or non-1-D input, or a NaN id.

    Example:
        >>> encode_ids(["p7", "p2", "p7"]).tolist()
        [0, 1, 0]
    """
    if isinstance(ids, Tensor):
        if ids.dim() != 1:
            raise ValueError(
                f"{name}: expected a 1-D tensor, got shape {tuple(ids.shape)}"
            )
        if ids.is_floating_point() and bool(ids.isnan().any()):
            raise ValueError(f"{name}: contains NaN")
        values = ids.tolist()
    elif isinstance(ids, str) or not isinstance(ids, Sequence):
        raise ValueError(
            f"{name}: expected a sequence of ids, got {type(ids).__name__}"
        )
    else:
        values = list(ids)
    if not values:
        raise ValueError(f"{name}: empty")
    if any(v != v for v in values):  # NaN is the one value unequal to itself
        raise ValueError(f"{name}: contains NaN")
    codes: dict[object, int] = {}
    return torch.tensor([codes.setdefault(v, len(codes)) for v in values])


def _check_fractions(fractions: Sequence[float]) -> tuple[float, ...]:
    f = tuple(float(x) for x in fractions)
    if len(f) < 2 or any(not x > 0 for x in f) or abs(sum(f) - 1) > 1e-6:
        raise ValueError(
            f"fractions: expected two or more positive fractions that sum to 1, "
            f"got {tuple(fractions)!r}"
        )
    return f


def _strata(stratify: IdsLike | Sequence[IdsLike] | None, n: int) -> Tensor:
    """``(N,)`` stratum code per row: one label column, or several combined."""
    if stratify is None:
        return torch.zeros(n, dtype=torch.long)
    several = (
        not isinstance(stratify, Tensor)
        and len(stratify) > 0
        and isinstance(stratify[0], Sequence | Tensor)
        and not isinstance(stratify[0], str)
    )
    columns = list(stratify) if several else [stratify]
    encoded = [encode_ids(c, "stratify") for c in columns]
    if any(len(c) != n for c in encoded):
        raise ValueError(
            f"stratify: expected {n} labels per column (one per row), "
            f"got {[len(c) for c in encoded]}"
        )
    return encode_ids([tuple(row) for row in torch.stack(encoded, 1).tolist()])


def allocate(n: int, fractions: Sequence[float]) -> Tensor:
    """Split labels for ``n`` items in turn, each to the split most below its share.

    Args:
        n: the number of items.
        fractions: ``(S,)`` shares of the splits, positive, summing to 1.

    Returns:
        ``(n,)`` int64 split labels; every prefix of length ``m`` holds
        within one item of ``fractions[j] * m`` items of split ``j``.

    Raises:
        ValueError: for ``n < 1`` or bad fractions.

    Example:
        >>> allocate(6, (0.5, 0.25, 0.25)).tolist()
        [0, 1, 2, 0, 0, 1]
    """
    check_positive_int("n", n)
    f = torch.tensor(_check_fractions(fractions), dtype=torch.float64)
    given = torch.zeros_like(f)
    labels = torch.empty(n, dtype=torch.long)
    for i in range(n):
        j = int(torch.argmax(f * (i + 1) - given))  # first of the largest deficits
        labels[i] = j
        given[j] += 1
    return labels


def _patient_strata(patients: Tensor, strata: Tensor) -> Tensor:
    """``(P,)`` the stratum of each patient: that of their first scan."""
    first = torch.full((int(patients.max()) + 1,), len(patients), dtype=torch.long)
    first.scatter_reduce_(0, patients, torch.arange(len(patients)), "amin")
    return strata[first]


def _patient_labels(
    patients: Tensor, strata: Tensor, fractions: Sequence[float], seed: int
) -> Tensor:
    """``(P,)`` the split of each patient, dealt out stratum by stratum."""
    per_patient = _patient_strata(patients, strata)
    g = torch.Generator().manual_seed(seed)
    shuffled = torch.randperm(len(per_patient), generator=g)
    order = shuffled[torch.argsort(per_patient[shuffled], stable=True)]
    labels = torch.empty(len(per_patient), dtype=torch.long)
    labels[order] = allocate(len(per_patient), fractions)
    return labels


def split_by_patient(
    patient_ids: IdsLike,
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    stratify: IdsLike | Sequence[IdsLike] | None = None,
    seed: int = 0,
) -> tuple[Tensor, ...]:
    """Row indices of each split, every patient's rows in one split only.

    Args:
        patient_ids: ``(N,)`` the patient of each row (scan).
        fractions: ``(S,)`` shares of patients per split (train, validation,
            test, ...). Defaults to (0.7, 0.15, 0.15).
        stratify: ``(N,)`` a label per row (site, group), or a list of such
            columns, combined; a patient's stratum is that of their first
            row. Defaults to None (no strata).
        seed: the seed of the shuffle. Defaults to 0.

    Returns:
        S ``(N_j,)`` int64 tensors of row indices, sorted; together they hold
        every row exactly once.

    Raises:
        ValueError: for empty or NaN ids, bad fractions, fewer patients than
            splits, or stratify columns of another length.

    Example:
        >>> ids = ["a", "a", "b", "c", "c", "d"]
        >>> train, test = split_by_patient(ids, (0.5, 0.5))
        >>> sorted(set(ids[i] for i in train) & set(ids[i] for i in test))
        []
    """
    patients = encode_ids(patient_ids)
    f = _check_fractions(fractions)
    n_patients = int(patients.max()) + 1
    if n_patients < len(f):
        raise ValueError(
            f"patient_ids: {n_patients} patient(s) cannot fill {len(f)} splits"
        )
    labels = _patient_labels(patients, _strata(stratify, len(patients)), f, seed)
    row_labels = labels[patients]
    return tuple((row_labels == j).nonzero().flatten() for j in range(len(f)))


def split_by_image(
    n: int, fractions: Sequence[float] = (0.7, 0.15, 0.15), seed: int = 0
) -> tuple[Tensor, ...]:
    """Row indices of each split, rows shuffled one by one: the leaky way.

    Scans of one patient land in several splits; a chapter uses it as the
    control that shows what patient-level splitting prevents.

    Args:
        n: the number of rows.
        fractions: ``(S,)`` shares of rows per split. Defaults to (0.7, 0.15, 0.15).
        seed: the seed of the shuffle. Defaults to 0.

    Returns:
        S ``(N_j,)`` sorted int64 tensors of row indices.

    Raises:
        ValueError: for ``n`` below the number of splits or bad fractions.

    Example:
        >>> [len(s) for s in split_by_image(10, (0.8, 0.2))]
        [8, 2]
    """
    f = _check_fractions(fractions)
    check_positive_int("n", n)
    if n < len(f):
        raise ValueError(f"n: {n} row(s) cannot fill {len(f)} splits")
    return split_by_patient(list(range(n)), f, seed=seed)


def kfold_by_patient(
    patient_ids: IdsLike,
    k: int = 5,
    stratify: IdsLike | Sequence[IdsLike] | None = None,
    seed: int = 0,
) -> list[tuple[Tensor, Tensor]]:
    """k-fold cross-validation folds by patient: ``(train_rows, test_rows)`` each.

    Every patient is tested in exactly one fold and never trained on in it.

    Args:
        patient_ids: ``(N,)`` the patient of each row.
        k: the number of folds, at least 2. Defaults to 5.
        stratify: as in :func:`split_by_patient`. Defaults to None.
        seed: the seed of the shuffle. Defaults to 0.

    Returns:
        k pairs of sorted int64 row-index tensors.

    Raises:
        ValueError: for ``k < 2`` or fewer patients than folds.

    Example:
        >>> ids = [0, 0, 1, 2, 3, 3]
        >>> folds = kfold_by_patient(ids, k=2)
        >>> sorted(ids[i] for _, test in folds for i in test.tolist())  # each once
        [0, 0, 1, 2, 3, 3]
    """
    check_positive_int("k", k)
    if k < 2:
        raise ValueError(f"k: expected at least 2 folds, got {k}")
    tests = split_by_patient(patient_ids, (1 / k,) * k, stratify, seed)
    rows = torch.arange(sum(len(t) for t in tests))
    folds = []
    for test in tests:
        keep = torch.ones(len(rows), dtype=torch.bool)
        keep[test] = False
        folds.append((rows[keep], test))
    return folds
