"""Permutation test of "no difference between groups".

If the group labels carry no information about the predictions, shuffling
them changes nothing in distribution: the observed disparity is then an
ordinary draw among those of shuffled labels. The p-value is the share of
shuffles at least as extreme, counting the data itself
(``(1 + #{null ≥ observed}) / (1 + n_perm)``, Phipson & Smyth 2010), so it is
never 0.

What is shuffled depends on the null hypothesis. Demographic parity's null
is ``ŷ ⟂ A``: group labels are shuffled over all samples. Equalized odds and
equal opportunity condition on the truth (``ŷ ⟂ A | Y``): labels are shuffled
*within* the positives and within the negatives, so each group keeps its
numbers of positives and negatives (its base rate), which may well differ
between groups without violating the null.

See chapter 09 (fairness).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from medlearn._helpers import check_choice, check_positive_int
from medlearn.fairness.disparity import (
    AGGS,
    DISPARITIES,
    METHODS,
    disparity_from_counts,
)
from medlearn.fairness.groups import _cells
from medlearn.fairness.inputs import ArrayLike, GroupsLike

__all__ = ["PermutationTest", "permutations_within", "permutation_test"]


class PermutationTest(NamedTuple):
    """The observed statistic, its p-value and the ``(n_perm,)`` null replicates."""

    statistic: float
    p_value: float
    null: Tensor


def permutations_within(
    strata: Tensor, n_perm: int, generator: torch.Generator | None = None
) -> Tensor:
    """Random permutations that move each sample only within its stratum.

    Args:
        strata: ``(N,)`` integer stratum of each sample (all zeros: plain
            permutations).
        n_perm: the number of permutations.
        generator: source of randomness (its device is where they are drawn).
            Defaults to None (torch's global generator).

    Returns:
        ``(n_perm, N)`` int64: row ``p`` is a permutation ``π`` of
        ``0 .. N-1`` with ``strata[π] == strata``.

    Example:
        >>> s = torch.tensor([0, 1, 0, 1, 1])
        >>> perm = permutations_within(s, 3, torch.Generator().manual_seed(0))
        >>> bool((s[perm] == s).all()), perm.sort(dim=1).values[0].tolist()
        (True, [0, 1, 2, 3, 4])
    """
    device = generator.device if generator is not None else strata.device
    strata = strata.to(device)
    keys = torch.rand(n_perm, len(strata), generator=generator, device=device)
    order = torch.argsort(keys + strata.double(), dim=1)  # by stratum, then random
    base = torch.argsort(strata, stable=True)  # by stratum, in place
    perm = torch.empty_like(order)
    perm[:, base] = order  # the k-th slot of a stratum gets its k-th random member
    return perm


def permutation_test(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: GroupsLike,
    statistic: str = "equalized_odds_difference",
    n_perm: int = 1000,
    method: str = "between_groups",
    agg: str = "worst_case",
    generator: torch.Generator | None = None,
) -> PermutationTest:
    """Permutation p-value for a disparity under "groups do not matter".

    Args:
        y_true: ``(N,)`` true labels, 0/1 or bool (also the strata for the
            TPR/FPR statistics; any 0/1 labels for demographic parity).
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns.
        statistic: a name of :data:`~medlearn.fairness.DISPARITIES`; large
            differences and small ratios are extreme. Defaults to
            ``"equalized_odds_difference"``.
        n_perm: the number of permutations. Defaults to 1000.
        method: ``"between_groups"`` or ``"to_overall"``. Defaults to
            ``"between_groups"``.
        agg: ``"worst_case"`` or ``"mean"``. Defaults to ``"worst_case"``.
        generator: source of randomness. Defaults to None (torch's global one).

    Returns:
        :class:`PermutationTest` with the p-value in ``(0, 1]``.

    Raises:
        ValueError: for invalid labels, lengths, names or ``n_perm``, or a
            statistic that is undefined on the data (NaN).

    Example:
        >>> gen = torch.Generator().manual_seed(0)
        >>> y = torch.randint(2, (200,), generator=gen)
        >>> g = torch.arange(200) % 2
        >>> permutation_test(y, y * g, g, n_perm=99, generator=gen).p_value
        0.01
    """
    check_choice("statistic", statistic, tuple(DISPARITIES))
    check_choice("method", method, METHODS)
    check_choice("agg", agg, AGGS)
    check_positive_int("n_perm", n_perm)
    cell, g = _cells(y_true, y_pred, groups)
    G = len(g)
    counts = torch.bincount(g.codes * 4 + cell, minlength=4 * G).reshape(G, 4)
    observed = disparity_from_counts(counts, statistic, method, agg)
    if torch.isnan(observed):
        raise ValueError(f"{statistic}: undefined on the data (NaN); nothing to test")
    conditional = DISPARITIES[statistic][0] != ("selection_rate",)
    strata = cell // 2 if conditional else torch.zeros_like(cell)
    chunk = max(1, 2**22 // len(cell))
    null = []
    for start in range(0, n_perm, chunk):
        b = min(chunk, n_perm - start)
        perm = permutations_within(strata, b, generator).to(cell.device)  # (b, N)
        rep = torch.arange(b, device=cell.device).unsqueeze(1)  # (b, 1)
        flat = (rep * G + g.codes[perm]) * 4 + cell  # (b, N): shuffled groups
        counts = torch.bincount(flat.flatten(), minlength=b * G * 4).reshape(b, G, 4)
        null.append(disparity_from_counts(counts, statistic, method, agg))
    null = torch.cat(null)  # (n_perm,)
    tol = 1e-12  # the same table in another order may differ in the last bit
    if DISPARITIES[statistic][1] == "difference":
        extreme = null >= observed - tol
    else:
        extreme = null <= observed + tol
    p_value = (1 + int(extreme.sum())) / (1 + n_perm)
    return PermutationTest(float(observed), p_value, null)
