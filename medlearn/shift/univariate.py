"""Per-feature Kolmogorov-Smirnov tests and multiple-testing corrections.

For each of ``d`` features, the two-sample KS statistic is the largest gap
between the empirical CDFs, ``D = max_t |F_x(t) - F_y(t)|``, evaluated at
every pooled value (ties handled as ``scipy.stats.ks_2samp`` does, with
right-continuous ECDFs). The p-value follows ``ks_2samp``'s default
(``method="auto"``, two-sided): exact when ``max(n, m) <= 10000``, else
Smirnov's asymptotic ``kstwo.sf(D, round(nm / (n + m)))``.

The exact p-value is the probability, over the ``C(n+m, n)`` equally likely
interleavings of the two samples under the null, that the ECDF gap reaches
``D``: a walk that takes the next pooled point from ``x`` with probability
``(n - i) / (n + m - k)`` (``i`` of the first ``k`` points came from ``x``) is
absorbed the first time ``|i/n - (k-i)/m| >= D``; the absorbed mass is the
p-value (a sum of positive terms, so small p-values keep their digits).
``ks_2samp`` counts the same lattice paths with Hodges' recursions. Like
scipy, the exact p-value assumes continuous data (no ties).

Testing ``d`` features at level ``alpha`` each would flag a shift by chance
in ``1 - (1 - alpha)^d`` of the null cases; the corrections:

* ``"bonferroni"``: ``p_adj = min(1, d p)`` bounds the family-wise error rate
  (the Failing Loudly paper's aggregation: shift if ``min p_adj <= alpha``);
* ``"fdr_bh"``: Benjamini-Hochberg, ``p_adj(i) = min_{k >= i} min(1, d p(k) / k)``
  for the sorted p-values, as ``scipy.stats.false_discovery_control(p,
  method="bh")``; it bounds the false discovery rate, and its smallest value
  is Simes' p-value for the global null.

See chapter 07 (shift).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import scipy.stats
import torch
from torch import Tensor

from medlearn.shift._validate import probability, two_samples

__all__ = [
    "FeatureTests",
    "ks_statistic",
    "ks_p_value",
    "bonferroni",
    "benjamini_hochberg",
    "ks_test",
]

MAX_EXACT_N = 10000  # ks_2samp's "auto": exact if max(n, m) <= this


class FeatureTests(NamedTuple):
    """Per-feature tests, each ``(d,)``, and the corrected global p-value (0-dim)."""

    statistic: Tensor
    p_value: Tensor
    p_adjusted: Tensor
    reject: Tensor
    p_global: Tensor


def _gap_counts(a: Tensor, b: Tensor) -> Tensor:
    """``max_t |F_a - F_b|`` in units of ``1 / lcm(n, m)``, per feature, int64 ``(d,)``."""
    n, m = a.shape[0], b.shape[0]
    g = math.gcd(n, m)
    sa = a.T.sort(dim=1).values.contiguous()  # (d, n)
    sb = b.T.sort(dim=1).values.contiguous()  # (d, m)
    pooled = torch.cat([sa, sb], dim=1)  # (d, N)
    ca = torch.searchsorted(sa, pooled, right=True)  # (d, N) #{a <= t}
    cb = torch.searchsorted(sb, pooled, right=True)  # (d, N) #{b <= t}
    return (ca * (m // g) - cb * (n // g)).abs().amax(dim=1)  # (d,)


def ks_statistic(x: Tensor, y: Tensor) -> Tensor:
    """Two-sample KS statistic of every feature, ``max_t |F_x(t) - F_y(t)|``.

    Args:
        x: first sample ``(n, d)``, ``n >= 2``.
        y: second sample ``(m, d)``, ``m >= 2``, same feature shape.

    Returns:
        ``(d,)`` statistics in [0, 1] (float64 on CPU and CUDA), equal to
        ``scipy.stats.ks_2samp(x[:, j], y[:, j]).statistic``.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: on different feature shapes, fewer than 2 rows, NaN or inf.

    Example:
        >>> ks_statistic(torch.tensor([[0.0], [1.0]]), torch.tensor([[2.0], [3.0]]))
        tensor([1.], dtype=torch.float64)

    See chapter 07 (shift).
    """
    a, b = two_samples(x, y)
    n, m = a.shape[0], b.shape[0]
    return _gap_counts(a, b).to(a.dtype) / (n * m // math.gcd(n, m))


def _exact_outside(n: int, m: int, h: np.ndarray) -> np.ndarray:
    """P(the ECDF gap reaches ``h / lcm``) under the null, float64 ``(k,)``.

    NumPy, not torch: ``n + m`` small steps, where per-call overhead dominates.
    """
    g, N = math.gcd(n, m), n + m
    i = np.arange(n + 1)  # points taken from x so far
    mass = np.zeros((h.shape[0], n + 1))  # (levels, n + 1)
    mass[:, 0] = 1.0
    absorbed = np.zeros(h.shape[0])
    for k in range(N):  # k points placed; place point k + 1
        from_x = (n - i) / (N - k)  # (n + 1,) P(next point from x)
        new = mass * (1 - from_x)  # next point from y: i unchanged
        new[:, 1:] += mass[:, :-1] * from_x[:-1]  # next point from x: i + 1
        gap = np.abs(i * (m // g) - (k + 1 - i) * (n // g))  # (n + 1,)
        outside = (gap >= h[:, None]) & (i <= k + 1)  # (levels, n + 1)
        absorbed += np.where(outside, new, 0.0).sum(1)
        mass = np.where(outside, 0.0, new)
    return absorbed


def ks_p_value(statistic: Tensor, n: int, m: int) -> Tensor:
    """Two-sided p-value of KS statistics for samples of ``n`` and ``m``.

    ``scipy.stats.ks_2samp``'s default: exact (the absorbed-walk recursion of
    the module docstring, O((n + m) n) per distinct statistic) when
    ``max(n, m) <= 10000``, else ``scipy.stats.kstwo.sf(D, round(nm/(n+m)))``.

    Args:
        statistic: KS statistics, any shape, values in [0, 1].
        n: size of the first sample, >= 1.
        m: size of the second sample, >= 1.

    Returns:
        p-values of ``statistic``'s shape, float64, in [0, 1].

    Raises:
        ValueError: if ``n`` or ``m`` is not a positive integer, or a statistic
            lies outside [0, 1].

    Example:
        >>> ks_p_value(torch.tensor([1.0]), 2, 2)  # 2 of 6 orderings separate
        tensor([0.3333], dtype=torch.float64)

    See chapter 07 (shift).
    """
    for value, name in ((n, "n"), (m, "m")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    d = torch.as_tensor(statistic, dtype=torch.float64).cpu()
    if d.numel() and not ((d >= 0) & (d <= 1)).all():
        raise ValueError("statistic must lie in [0, 1]")
    if max(n, m) > MAX_EXACT_N:
        en = round(n * m / (n + m))
        p = torch.from_numpy(scipy.stats.kstwo.sf(d.numpy(), en))
    else:
        lcm = n * m // math.gcd(n, m)
        h = (d * lcm).round().long().reshape(-1)  # gap in units of 1 / lcm
        levels, index = h.unique(return_inverse=True)
        p_levels = torch.from_numpy(_exact_outside(n, m, levels.clamp_min(1).numpy()))
        p = torch.where(h == 0, 1.0, p_levels[index]).reshape(d.shape)
    return p.clamp(0, 1).to(torch.as_tensor(statistic).device)


def bonferroni(p_values: Tensor) -> Tensor:
    """Bonferroni-adjusted p-values, ``min(1, d p)`` for ``d`` tests, ``(d,)``.

    Example:
        >>> bonferroni(torch.tensor([0.01, 0.2, 0.5]))
        tensor([0.0300, 0.6000, 1.0000])

    See chapter 07 (shift).
    """
    p = _check_p(p_values)
    return (p * p.numel()).clamp(max=1.0)


def benjamini_hochberg(p_values: Tensor) -> Tensor:
    """Benjamini-Hochberg adjusted p-values (FDR), as ``false_discovery_control``.

    Example:
        >>> benjamini_hochberg(torch.tensor([0.01, 0.04, 0.03]))
        tensor([0.0300, 0.0400, 0.0400])

    See chapter 07 (shift).
    """
    p = _check_p(p_values)
    d = p.numel()
    order = p.argsort(descending=True)  # largest first
    scaled = p[order] * d / torch.arange(d, 0, -1, dtype=p.dtype, device=p.device)
    adjusted = scaled.cummin(dim=0).values.clamp(max=1.0)  # min over k >= i
    return torch.empty_like(p).scatter_(0, order, adjusted)


def _check_p(p_values: object) -> Tensor:
    if not isinstance(p_values, Tensor):
        raise TypeError(f"p_values must be a tensor, got {type(p_values).__name__}")
    if p_values.dim() != 1:
        raise ValueError(f"p_values must be 1-D (d,), got {tuple(p_values.shape)}")
    if p_values.numel() == 0:
        raise ValueError("p_values is empty")
    p = p_values.to(torch.promote_types(p_values.dtype, torch.float32))
    if not ((p >= 0) & (p <= 1)).all():
        raise ValueError("p_values must lie in [0, 1] (NaN refused)")
    return p


_CORRECTIONS = {"bonferroni": bonferroni, "fdr_bh": benjamini_hochberg}


def ks_test(
    x: Tensor,
    y: Tensor,
    correction: str = "bonferroni",
    alpha: float = 0.05,
) -> FeatureTests:
    """Kolmogorov-Smirnov test of every feature, with a multiple-testing correction.

    Args:
        x: first sample ``(n, d)``, ``n >= 2`` (trailing dims are flattened).
        y: second sample ``(m, d)``, ``m >= 2``, same feature shape.
        correction: ``"bonferroni"`` (family-wise error) or ``"fdr_bh"``
            (Benjamini-Hochberg false discovery rate). Defaults to
            ``"bonferroni"``.
        alpha: level for ``reject``. Defaults to 0.05.

    Returns:
        ``FeatureTests(statistic, p_value, p_adjusted, reject, p_global)``:
        per feature ``(d,)`` the statistic and p-value of
        ``scipy.stats.ks_2samp`` (default method), the corrected p-value and
        ``p_adjusted <= alpha``; ``p_global = min(p_adjusted)`` tests "no
        feature shifted" (Bonferroni's, or Simes' for ``"fdr_bh"``).

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: on different feature shapes, fewer than 2 rows, NaN or inf,
            an unknown correction or alpha outside (0, 1).

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> x, y = torch.randn(40, 3, generator=g), torch.randn(40, 3, generator=g)
        >>> y[:, 0] += 2.0  # shift one feature only
        >>> ks_test(x, y).reject
        tensor([ True, False, False])

    See chapter 07 (shift).
    """
    if correction not in _CORRECTIONS:
        raise ValueError(
            f"correction must be one of {sorted(_CORRECTIONS)}, got {correction!r}"
        )
    alpha = probability(alpha, "alpha")
    a, b = two_samples(x, y)
    statistic = ks_statistic(a, b)  # (d,)
    p = ks_p_value(statistic, a.shape[0], b.shape[0]).to(statistic.device)
    p_adjusted = _CORRECTIONS[correction](p)
    return FeatureTests(statistic, p, p_adjusted, p_adjusted <= alpha, p_adjusted.min())
