"""Post-processing for fairness: group-specific, randomised thresholds.

Hardt, Price and Srebro (2016) equalise odds after training, without touching
the model: each group gets its own rule for turning scores into decisions.

1. Per group, every threshold ``t`` of the score gives a point: (FPR, TPR) on
   the ROC curve for equalized odds, (TPR, accuracy) for equal opportunity.
2. Mixing two rules at random (use rule 0 with probability ``p0``, else rule
   1) reaches every point on the segment between them, so the reachable set
   is the convex hull; its upper boundary holds the best points.
3. The hull is read on a common grid of the constrained rate (``grid_size +
   1`` points on [0, 1]). Equalized odds: at each FPR the TPR every group can
   reach is the *lowest* of the groups' hulls; a group above it mixes in a
   coin flip that says "positive" with probability FPR (a point on the
   diagonal) until its TPR comes down (probability ``p_ignore``). Equal
   opportunity: every group is put at the same TPR.
4. The grid point with the best objective (accuracy or balanced accuracy,
   over all samples) is chosen.

This is the construction of fairlearn 0.15's ``ThresholdOptimizer``: the same
points and thresholds (midpoints between consecutive distinct scores, rules
``score > t``), the same hull (Andrew's 1979 monotone chain, dropping collinear
points), grid, interpolation, rounding of the equalized-odds objective to 15
decimals and tie-break (the first best grid point), so on the same data the
decision probabilities agree (tested). Decisions are random where rules are
mixed: :meth:`GroupThresholds.predict` draws them from a ``torch.Generator``.

See chapter 09 (fairness).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from medlearn._helpers import check_choice, check_positive_int
from medlearn.fairness.curves import (
    _Curve,
    _grid,
    _hull_on_grid,
    _metric,
    tradeoff_points,
)
from medlearn.fairness.groups import Groups, _relevel, encode_groups
from medlearn.fairness.inputs import (
    ArrayLike,
    GroupsLike,
    _check_lengths,
    as_binary,
    as_probabilities,
)

__all__ = [
    "CONSTRAINTS",
    "OBJECTIVES",
    "GroupThresholds",
    "fit_group_thresholds",
]

# constraint -> the rate made equal across groups (the grid's axis)
CONSTRAINTS = {
    "equalized_odds": "fpr",
    "equal_opportunity": "tpr",
    "demographic_parity": "selection_rate",
}
OBJECTIVES = ("accuracy", "balanced_accuracy")


def _group_curves(
    s: Tensor,
    y: Tensor,
    g: Groups,
    x_axis: str,
    y_axis: str,
    grid: Tensor,
    *,
    flip: bool,
) -> list[_Curve]:
    """Each group's hull on the grid, in group order."""
    curves = []
    for k, label in enumerate(g.labels):
        rows = g.codes.cpu() == k
        try:
            points = tradeoff_points(s[rows], y[rows], x_axis, y_axis, flip=flip)
        except ValueError as err:
            raise ValueError(f"y_true: group {label!r}: {err}") from err
        curves.append(_hull_on_grid(points, grid))
    return curves


def _best_equalized_odds(
    curves: list[_Curve], y: Tensor, grid: Tensor, objective: str
) -> tuple[int, float, float]:
    """Grid index, the TPR all groups reach there, and the objective value."""
    y_min = torch.stack([c.y for c in curves]).amin(0)  # (K,) lowest TPR at each FPR
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    fp, tn = n_neg * grid, n_neg * (1.0 - grid)
    tp, fn = n_pos * y_min, n_pos * (1.0 - y_min)
    value = torch.round(_metric(objective, tp, fp, tn, fn), decimals=15)
    best = int(torch.argmax(value))  # the first best, as pandas' idxmax
    return best, float(y_min[best]), float(value[best])


def _best_simple(curves: list[_Curve], proportions: list[float]) -> tuple[int, float]:
    """Grid index where the groups' objectives, weighted by group size, are best."""
    total = torch.zeros_like(curves[0].y)
    for c, w in zip(curves, proportions):  # in group order, as pandas sums
        total = total + w * c.y
    best = int(torch.argmax(total))
    return best, float(total[best])


@dataclass(frozen=True, eq=False)
class GroupThresholds:
    """Fitted group-specific randomised thresholds; see :func:`fit_group_thresholds`.

    For a sample of group ``a`` with score ``s``, the probability of a
    positive decision is ``p_ignore[a] * constant + (1 - p_ignore[a]) *
    sum_j weight[a, j] * rule_j(s)``, where ``rule_j(s)`` is ``s >
    threshold[a, j]`` if ``greater[a, j]`` else ``s < threshold[a, j]``.

    Attributes:
        labels: ``(G,)`` group labels.
        threshold: ``(G, 2)`` float64 thresholds of the two rules mixed.
        greater: ``(G, 2)`` bool, rule direction.
        weight: ``(G, 2)`` float64, probabilities of using each rule.
        p_ignore: ``(G,)`` probability of a coin flip instead (equalized odds).
        constant: the coin's probability of "positive" (the common FPR).
        constraint: the constraint fitted.
        objective: the objective maximised.
        rate: the common value of the constrained rate (FPR, TPR or
            selection rate) on the training data.
        objective_value: the objective reached on the training data.
    """

    labels: tuple
    threshold: Tensor
    greater: Tensor
    weight: Tensor
    p_ignore: Tensor
    constant: float
    constraint: str
    objective: str
    rate: float
    objective_value: float

    def predict_proba(self, probs: ArrayLike, groups: GroupsLike) -> Tensor:
        """Probability of a positive decision for each sample.

        Args:
            probs: ``(N,)`` probabilities of the positive class.
            groups: ``(N,)`` group ids or columns, as in fitting.

        Returns:
            ``(N,)`` float64 in [0, 1], on ``probs``' device.

        Raises:
            ValueError: for invalid probabilities, different lengths or a
                group not seen in fitting.
        """
        s = as_probabilities(probs, "probs")
        g = encode_groups(groups)
        _check_lengths(probs=s, groups=g.codes)
        a = _relevel(g.codes, list(g.labels), self.labels).to(s.device)  # (N,)
        t, up, w = (
            v.to(s.device)[a] for v in (self.threshold, self.greater, self.weight)
        )
        rule = torch.where(
            up, s.unsqueeze(1) > t, s.unsqueeze(1) < t
        ).double()  # (N, 2)
        q = w[:, 0] * rule[:, 0] + w[:, 1] * rule[:, 1]
        p = self.p_ignore.to(s.device)[a]
        return p * self.constant + (1 - p) * q

    def predict(
        self,
        probs: ArrayLike,
        groups: GroupsLike,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """Random decisions ``(N,)`` int64: 1 with probability :meth:`predict_proba`.

        Args:
            probs: ``(N,)`` probabilities of the positive class.
            groups: ``(N,)`` group ids or columns, as in fitting.
            generator: source of randomness. Defaults to None (torch's
                global generator).

        Returns:
            ``(N,)`` int64 decisions in {0, 1}.

        Raises:
            ValueError: as :meth:`predict_proba`.
        """
        q = self.predict_proba(probs, groups)
        device = generator.device if generator is not None else q.device
        u = torch.rand(len(q), generator=generator, device=device, dtype=q.dtype)
        return (u.to(q.device) < q).long()


def fit_group_thresholds(
    probs: ArrayLike,
    y_true: ArrayLike,
    groups: GroupsLike,
    constraint: str = "equalized_odds",
    objective: str = "accuracy",
    grid_size: int = 1000,
    *,
    flip: bool = False,
) -> GroupThresholds:
    """Group-specific randomised thresholds that satisfy a fairness constraint.

    Hardt et al.'s post-processing, as fairlearn 0.15's
    ``ThresholdOptimizer(constraints=..., objective=..., grid_size=...,
    flip=...)`` with ``"equalized_odds"``, ``"true_positive_rate_parity"``
    (here ``"equal_opportunity"``) or ``"demographic_parity"`` and
    ``"accuracy_score"`` / ``"balanced_accuracy_score"``. Equal
    opportunity and demographic parity need no coin flip (``p_ignore = 0``).

    Args:
        probs: ``(N,)`` probabilities of the positive class (the construction
            only uses their order; fairlearn also accepts any real score).
        y_true: ``(N,)`` true labels, 0/1 or bool; each group needs both.
        groups: ``(N,)`` group ids or several columns.
        constraint: ``"equalized_odds"``, ``"equal_opportunity"`` or
            ``"demographic_parity"``. Defaults to ``"equalized_odds"``.
        objective: ``"accuracy"`` or ``"balanced_accuracy"``. Defaults to
            ``"accuracy"``.
        grid_size: the constrained rate is searched on ``grid_size + 1``
            equally spaced values in [0, 1]. Defaults to 1000.
        flip: also allow rules ``score < t``. Defaults to False.

    Returns:
        :class:`GroupThresholds`; its ``predict`` draws decisions.

    Raises:
        ValueError: for invalid probabilities or labels, different lengths, an
            unknown constraint or objective, ``grid_size < 1``, or a group
            whose labels are all one class.

    Example:
        >>> gen = torch.Generator().manual_seed(0)
        >>> y = torch.randint(2, (400,), generator=gen)
        >>> a = torch.randint(2, (400,), generator=gen)
        >>> probs = (0.3 * y + 0.2 * a + 0.5 * torch.rand(400, generator=gen)).clamp(0, 1)
        >>> fit = fit_group_thresholds(probs, y, a)
        >>> fit.labels, fit.weight.shape, fit.rate
        ((0, 1), torch.Size([2, 2]), 0.361)
    """
    check_choice("constraint", constraint, tuple(CONSTRAINTS))
    check_choice("objective", objective, OBJECTIVES)
    check_positive_int("grid_size", grid_size)
    s, y = as_probabilities(probs, "probs"), as_binary(y_true, "y_true")
    g = encode_groups(groups)
    _check_lengths(probs=s, y_true=y, groups=g.codes)
    s, y, grid = s.cpu(), y.cpu(), _grid(grid_size)
    y_axis = "tpr" if constraint == "equalized_odds" else objective
    curves = _group_curves(s, y, g, CONSTRAINTS[constraint], y_axis, grid, flip=flip)
    p_ignore = torch.zeros(len(g), dtype=torch.float64)
    constant = 0.0
    if constraint == "equalized_odds":
        best, y_best, value = _best_equalized_odds(curves, y, grid, objective)
        constant = float(grid[best])
        for k, c in enumerate(curves):  # lower a group's TPR to y_best by coin flips
            tpr = float(c.y[best])
            p_ignore[k] = 0.0 if tpr == constant else (tpr - y_best) / (tpr - constant)
    else:
        best, value = _best_simple(curves, (g.sizes.double() / len(s)).tolist())
    return GroupThresholds(
        labels=g.labels,
        threshold=torch.stack([c.threshold[best] for c in curves]),
        greater=torch.stack([c.greater[best] for c in curves]),
        weight=torch.stack([c.weight[best] for c in curves]),
        p_ignore=p_ignore,
        constant=constant,
        constraint=constraint,
        objective=objective,
        rate=float(grid[best]),
        objective_value=value,
    )
