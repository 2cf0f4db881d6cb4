"""Referral: which scans a radiologist reviews, and the error left on the rest.

A model that can say "I am unsure about this scan" lets a clinic send the
least certain scans to a human and keep the model's answer for the others.
Ranking scans by their uncertainty, most uncertain first, and referring the
first ``k`` of ``N`` leaves the mean error of the ``N - k`` kept scans; that
error against the referred fraction ``k / N`` is the referral curve (the
risk-coverage curve of selective prediction read from the other end,
coverage = 1 - referred). Two controls bound it: a random order keeps the
overall error on average, and the oracle (ranking by the true error) is the
best any uncertainty could do. :func:`review_fraction` reads off the smallest
fraction to review for a target error.

See chapter 11 (capstone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["ReferralCurve", "referral_curve", "review_fraction"]


@dataclass(frozen=True)
class ReferralCurve:
    """Error of the kept scans after referring the most uncertain ones.

    Attributes:
        referred: ``(N + 1,)`` the fractions ``0, 1/N, ..., 1`` referred.
        error: ``(N + 1,)`` the mean error of the kept scans at each; 0 when
            every scan is referred (nothing is left to the model).
    """

    referred: Tensor
    error: Tensor


def _vector(x: Tensor | Sequence[float], name: str) -> Tensor:
    v = torch.as_tensor(x, dtype=torch.float64).cpu()
    if v.dim() != 1 or len(v) == 0:
        raise ValueError(
            f"{name}: expected a non-empty 1-D sequence, got {tuple(v.shape)}"
        )
    if not bool(v.isfinite().all()):
        raise ValueError(f"{name}: contains NaN or inf")
    return v


def referral_curve(
    uncertainty: Tensor | Sequence[float], error: Tensor | Sequence[float]
) -> ReferralCurve:
    """The mean error of the kept scans as the most uncertain are referred.

    Ties in ``uncertainty`` keep the scans' order (a stable sort).

    Args:
        uncertainty: ``(N,)`` one score per scan, larger = less sure.
        error: ``(N,)`` the error of each scan, e.g. ``1 - Dice``.

    Returns:
        A :class:`ReferralCurve` of ``N + 1`` points.

    Raises:
        ValueError: for empty, non-finite or unequal-length inputs.

    Example:
        >>> curve = referral_curve([0.9, 0.1, 0.5], [1.0, 0.0, 0.5])
        >>> curve.error.tolist()
        [0.5, 0.25, 0.0, 0.0]
    """
    u, e = _vector(uncertainty, "uncertainty"), _vector(error, "error")
    if len(u) != len(e):
        raise ValueError(
            f"error: expected {len(u)} values (one per scan), got {len(e)}"
        )
    n = len(e)
    order = torch.argsort(-u, stable=True)  # most uncertain first
    kept_sum = e.sum() - torch.cat([torch.zeros(1, dtype=e.dtype), e[order].cumsum(0)])
    kept = torch.arange(n, -1, -1, dtype=e.dtype)  # (N + 1,) scans left
    error_kept = torch.where(kept > 0, kept_sum / kept.clamp_min(1), 0.0)
    return ReferralCurve(torch.arange(n + 1, dtype=e.dtype) / n, error_kept)


def review_fraction(curve: ReferralCurve, target: float) -> float:
    """The smallest fraction of scans to refer so that the kept error <= target.

    Args:
        curve: as :func:`referral_curve` returns.
        target: the error the kept scans may have, at least 0.

    Returns:
        A fraction in [0, 1] (1 when only referring everything reaches it).

    Raises:
        ValueError: for a negative target.

    Example:
        >>> review_fraction(referral_curve([0.9, 0.1, 0.5], [1.0, 0.0, 0.5]), 0.3)
        0.3333333333333333
    """
    if not target >= 0:
        raise ValueError(f"target: expected an error of at least 0, got {target!r}")
    reached = (curve.error <= target + 1e-12).nonzero().flatten()
    return float(curve.referred[reached[0]])
