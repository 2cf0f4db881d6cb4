"""Matched cohorts: compare sites on patients who are alike.

A difference between the images of two sites mixes two causes: the scanner
and the patients (one hospital sees older, sicker patients). Matching pairs
every patient of one site with a patient of the other who has similar
covariates (age, sex, disease status, ...), so that what still differs
between the matched cohorts is not the covariates.

Balance is measured by the standardized mean difference of each covariate
(Austin 2011), ``SMD = (mean_x - mean_y) / sqrt((s_x^2 + s_y^2) / 2)`` with
sample variances (``ddof = 1``); ``|SMD| < 0.1`` counts as balanced. For a
0/1 covariate Austin writes ``p (1 - p)`` for the variance; the sample
variance differs from it by the factor ``n / (n - 1)``.

Two matchings, both greedy "closest pair first": all pairs are sorted by
distance and accepted in turn while both partners are free (without
replacement) or while the ``x`` row is free (with replacement, where a ``y``
row may serve several ``x`` rows: then every ``x`` row gets its nearest
neighbour). Pairs farther apart than the caliper are dropped, so some rows
of ``x`` may stay unmatched; the result does not depend on the row order.

* :func:`nearest_neighbour_match` on the covariates, each divided by its
  pooled SD ``sqrt((s_x^2 + s_y^2) / 2)`` (distances in SMD units);
* :func:`propensity_score_match` on the logit of the propensity score
  ``P(site = y | covariates)``, with Austin's recommended caliper of 0.2
  pooled SDs of the logit.

See chapter 07 (shift).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from medlearn.shift._validate import two_samples
from medlearn.shift.classifier import fit_logistic_regression

__all__ = [
    "Matching",
    "standardized_mean_difference",
    "nearest_neighbour_match",
    "propensity_scores",
    "propensity_score_match",
]


class Matching(NamedTuple):
    """Matched pairs ``(x_index[k], y_index[k])`` ``(K,)`` and the balance.

    ``distance`` ``(K,)`` is the pair's distance on the matching scale;
    ``smd_before`` and ``smd_after`` ``(d,)`` are the covariates' SMDs over
    all rows and over the matched rows (a ``y`` row used twice counts twice).
    """

    x_index: Tensor
    y_index: Tensor
    distance: Tensor
    smd_before: Tensor
    smd_after: Tensor


def _pooled_sd(a: Tensor, b: Tensor) -> Tensor:
    return ((a.var(0) + b.var(0)) / 2).sqrt()  # (d,), sample variances


def standardized_mean_difference(x: Tensor, y: Tensor) -> Tensor:
    """SMD of every covariate, ``(mean_x - mean_y) / sqrt((s_x^2 + s_y^2) / 2)``.

    Sample variances (``ddof = 1``); Austin (2011)'s convention. A covariate
    constant in both groups has SMD 0 if the constants agree, else +-inf.

    Args:
        x: covariates of the first group ``(n, d)``, ``n >= 2``.
        y: covariates of the second group ``(m, d)``, ``m >= 2``.

    Returns:
        ``(d,)`` SMDs (float64); ``|SMD| < 0.1`` counts as balanced.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: on different numbers of covariates, fewer than 2 rows, NaN.

    Example:
        >>> standardized_mean_difference(torch.tensor([[1.0], [3.0]]),
        ...                              torch.tensor([[0.0], [2.0]]))
        tensor([0.7071], dtype=torch.float64)

    See chapter 07 (shift).
    """
    a, b = two_samples(x, y)
    diff, sd = a.mean(0) - b.mean(0), _pooled_sd(a, b)
    safe = torch.where(sd > 0, sd, torch.ones_like(sd))
    degenerate = torch.where(diff == 0, 0.0, diff.sign() * torch.inf)
    return torch.where(sd > 0, diff / safe, degenerate)


def _greedy_pairs(
    distance: Tensor, caliper: float | None, *, replace: bool
) -> tuple[Tensor, Tensor]:
    """Closest pair first; ``distance`` is ``(n, m)``. Returns index tensors ``(K,)``."""
    n, m = distance.shape
    flat = distance.flatten().cpu()
    order = flat.argsort(stable=True)
    if caliper is not None:
        order = order[flat[order] <= caliper]
    x_free, y_free = [True] * n, [True] * m
    xs, ys = [], []
    for k in order.tolist():
        i, j = divmod(k, m)
        if x_free[i] and (replace or y_free[j]):
            x_free[i], y_free[j] = False, False
            xs.append(i)
            ys.append(j)
            if len(xs) == n or (not replace and len(ys) == m):
                break
    index = torch.tensor(xs, dtype=torch.long), torch.tensor(ys, dtype=torch.long)
    return index[0].to(distance.device), index[1].to(distance.device)


def _check_caliper(caliper: object) -> float | None:
    if caliper is None:
        return None
    if isinstance(caliper, bool) or not isinstance(caliper, (int, float)):
        raise ValueError(f"caliper must be a positive number or None, got {caliper!r}")
    if not caliper > 0:
        raise ValueError(f"caliper must be > 0, got {caliper!r}")
    return float(caliper)


def _matching(
    a: Tensor, b: Tensor, distance: Tensor, caliper: float | None, *, replace: bool
) -> Matching:
    """Greedy pairs under a checked caliper, with the SMDs before and after."""
    if not isinstance(replace, bool):
        raise ValueError(f"replace must be True or False, got {replace!r}")
    xi, yi = _greedy_pairs(distance, caliper, replace=replace)
    before = standardized_mean_difference(a, b)
    if len(xi) < 2:  # an SMD needs two rows per group
        after = torch.full_like(before, torch.nan)
    else:
        after = standardized_mean_difference(a[xi], b[yi])
    return Matching(xi, yi, distance[xi, yi], before, after)


def nearest_neighbour_match(
    x: Tensor,
    y: Tensor,
    caliper: float | None = None,
    *,
    replace: bool = False,
) -> Matching:
    """Match every row of ``x`` to its nearest row of ``y`` on standardised covariates.

    Covariates are divided by their pooled SD (constant ones left as they
    are), so distances are Euclidean in SMD units; greedy closest pair first
    (module docstring). Without replacement ``x`` should be the smaller group.

    Args:
        x: covariates of the group to match, e.g. site B's patients ``(n, d)``.
        y: covariates of the pool of partners, e.g. site A's ``(m, d)``.
        caliper: largest accepted distance (SMD units). Defaults to None (any).
        replace: whether a ``y`` row may be matched more than once. Defaults to
            False.

    Returns:
        ``Matching(x_index, y_index, distance, smd_before, smd_after)``;
        ``smd_after`` is NaN when fewer than 2 pairs were found.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: on different numbers of covariates, fewer than 2 rows, NaN,
            or a bad caliper.

    Example:
        >>> x = torch.tensor([[60.0], [70.0]])
        >>> y = torch.tensor([[40.0], [59.0], [72.0], [45.0]])
        >>> nearest_neighbour_match(x, y).y_index
        tensor([1, 2])

    See chapter 07 (shift).
    """
    a, b = two_samples(x, y)
    sd = _pooled_sd(a, b)
    scale = torch.where(sd > 0, sd, torch.ones_like(sd))
    distance = torch.cdist(
        a / scale, b / scale, compute_mode="donot_use_mm_for_euclid_dist"
    )  # (n, m)
    return _matching(a, b, distance, _check_caliper(caliper), replace=replace)


def propensity_scores(x: Tensor, y: Tensor, C: float = 1.0) -> tuple[Tensor, Tensor]:
    """``P(group = y | covariates)`` for every row, by L2 logistic regression.

    The covariates are standardised (pooled mean, population SD, as
    ``sklearn.preprocessing.StandardScaler``) and the model is
    ``sklearn.linear_model.LogisticRegression(C=C)``'s (see
    :func:`~medlearn.shift.classifier.fit_logistic_regression`); with
    hundreds of patients and ``C = 1`` the penalty is slight.

    Args:
        x: covariates of the first group ``(n, d)``.
        y: covariates of the second group ``(m, d)``.
        C: inverse regularisation strength. Defaults to 1.0.

    Returns:
        ``(scores_x, scores_y)``: ``(n,)`` and ``(m,)`` probabilities (float64).

    Example:
        >>> px, py = propensity_scores(torch.tensor([[1.0], [2.0], [3.0]]),
        ...                            torch.tensor([[2.5], [3.5], [4.0]]))
        >>> bool(px.mean() < py.mean())
        True

    See chapter 07 (shift).
    """
    a, b = two_samples(x, y)
    z = torch.cat([a, b])  # (N, d)
    sd = z.std(0, correction=0)
    z = (z - z.mean(0)) / torch.where(sd > 0, sd, torch.ones_like(sd))
    labels = torch.cat([a.new_zeros(a.shape[0]), b.new_ones(b.shape[0])])
    coef, intercept = fit_logistic_regression(z, labels, C=C)
    score = torch.sigmoid(z @ coef + intercept)  # (N,)
    return score[: a.shape[0]], score[a.shape[0] :]


def propensity_score_match(
    x: Tensor,
    y: Tensor,
    caliper: float | None = 0.2,
    *,
    replace: bool = False,
    C: float = 1.0,
) -> Matching:
    """Match rows of ``x`` to rows of ``y`` on the logit of the propensity score.

    Args:
        x: covariates of the group to match ``(n, d)``.
        y: covariates of the pool of partners ``(m, d)``.
        caliper: largest accepted difference of logit propensity scores, in
            pooled SDs of the logit (Austin 2011 recommends 0.2). Defaults to 0.2.
        replace: whether a ``y`` row may be matched more than once. Defaults to
            False.
        C: inverse L2 strength of the propensity model. Defaults to 1.0.

    Returns:
        ``Matching``; ``distance`` is ``|logit e_x - logit e_y|`` and the SMDs
        are those of the covariates.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: on different numbers of covariates, fewer than 2 rows, NaN,
            or a bad caliper.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> old = torch.randn(80, 1, generator=g) + 1.0  # older patients at site B
        >>> young = torch.randn(200, 1, generator=g)
        >>> matched = propensity_score_match(old, young)
        >>> bool(matched.smd_after.abs() < matched.smd_before.abs())
        True

    See chapter 07 (shift).
    """
    a, b = two_samples(x, y)
    px, py = propensity_scores(a, b, C=C)
    lx, ly = torch.logit(px), torch.logit(py)  # (n,), (m,)
    width = _check_caliper(caliper)
    if width is not None:
        width = width * float(((lx.var() + ly.var()) / 2).sqrt())
    distance = (lx[:, None] - ly[None, :]).abs()  # (n, m)
    return _matching(a, b, distance, width, replace=replace)
