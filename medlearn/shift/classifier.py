"""Domain-classifier two-sample test: can a classifier tell the sites apart?

If ``P(x) = P(y)``, no classifier separates the samples better than chance on
data it has not seen. The test (a classifier two-sample test, Lopez-Paz and
Oquab 2017; the "domain classifier" of Failing Loudly):

1. split each sample at random into a training and a held-out part
   (``test_fraction`` of each, stratified);
2. standardise the features with the training part's mean and standard
   deviation (population SD; a constant feature is left unscaled, as
   ``sklearn.preprocessing.StandardScaler``);
3. fit an L2 logistic regression, label 0 for ``x`` and 1 for ``y``, on
   scikit-learn's objective ``0.5 ||w||^2 + C sum_i log(1 + exp(-s_i f_i))``
   with ``s_i = +-1`` and an unpenalised intercept (Newton's method);
4. score the held-out rows and compute the AUC (the Mann-Whitney statistic:
   the chance that a held-out ``y`` row scores above a held-out ``x`` row,
   ties counting one half), compared with 0.5;
5. p-value by permuting the held-out labels ``P`` times,
   ``(1 + #{AUC_perm >= AUC}) / (1 + P)`` (one-sided: only AUC > 0.5 is
   evidence of a shift).

Under the null the held-out rows are exchangeable given the fitted model, so
the permutation test is valid whatever the classifier learnt from the
training part (exact up to ties: an AUC equal to the observed one counts as
``>=``, which makes the test slightly conservative). Cross-validated scores would reuse every row but are not
exchangeable (each fold's model saw the other folds); the single split is
the simpler valid choice. The price: only the held-out part gives evidence.

See chapter 07 (shift).
"""

from __future__ import annotations

import torch
from torch import Tensor

from medlearn.shift._validate import positive_int, probability, two_samples
from medlearn.shift.mmd import TwoSampleResult, _random_permutations

__all__ = [
    "fit_logistic_regression",
    "roc_auc",
    "domain_classifier_test",
]


def _objective(theta: Tensor, X1: Tensor, sign: Tensor, C: float) -> Tensor:
    margin = sign * (X1 @ theta)  # (n,)
    return (
        C * torch.nn.functional.softplus(-margin).sum()
        + 0.5 * theta[:-1].square().sum()
    )


def fit_logistic_regression(
    x: Tensor, labels: Tensor, C: float = 1.0, max_iter: int = 100
) -> tuple[Tensor, Tensor]:
    """L2-penalised logistic regression on scikit-learn's objective, by Newton's method.

    Minimises ``0.5 ||w||^2 + C sum_i log(1 + exp(-s_i (x_i . w + b)))`` with
    ``s_i = 2 labels_i - 1``; the intercept ``b`` is not penalised, as in
    ``sklearn.linear_model.LogisticRegression(C=C)``. Newton steps with a
    backtracking line search, until the Newton decrement is below 1e-20.

    Args:
        x: features ``(n, d)``.
        labels: 0/1 labels ``(n,)`` containing both classes.
        C: inverse regularisation strength, > 0. Defaults to 1.0.
        max_iter: Newton iterations at most. Defaults to 100.

    Returns:
        ``(coef, intercept)``: ``(d,)`` and 0-dim, float64 (float32 on MPS).

    Raises:
        ValueError: if the labels are not 0/1 of matching length with both
            classes present, or ``C <= 0``.

    Example:
        >>> x = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
        >>> coef, b = fit_logistic_regression(x, torch.tensor([0, 0, 1, 1]))
        >>> bool(coef[0] > 0)
        True

    See chapter 07 (shift).
    """
    X = x.to(torch.float64 if x.device.type != "mps" else torch.float32)
    y = torch.as_tensor(labels, device=X.device).to(X.dtype).reshape(-1)
    if y.shape[0] != X.shape[0] or not ((y == 0) | (y == 1)).all():
        raise ValueError(
            f"labels must be 0/1 of shape ({X.shape[0]},), got shape "
            f"{tuple(y.shape)} with values {y.unique().tolist()[:5]}"
        )
    if y.min() == y.max():
        raise ValueError("labels must contain both classes 0 and 1")
    if isinstance(C, bool) or not isinstance(C, (int, float)) or not C > 0:
        raise ValueError(f"C must be a positive number, got {C!r}")
    X1 = torch.cat([X, torch.ones_like(X[:, :1])], dim=1)  # (n, d + 1)
    ridge = torch.ones(X1.shape[1], dtype=X.dtype, device=X.device)
    ridge[-1] = 0.0  # the intercept is not penalised
    theta, sign = torch.zeros_like(ridge), 2 * y - 1
    for _ in range(positive_int(max_iter, "max_iter")):
        p = torch.sigmoid(X1 @ theta)  # (n,)
        grad = C * X1.T @ (p - y) + ridge * theta  # (d + 1,)
        hess = C * (X1.T * (p * (1 - p))) @ X1 + torch.diag(ridge)  # (d+1, d+1)
        step = torch.linalg.solve(hess, grad)
        decrement = grad @ step
        if decrement < 1e-20:
            break
        t, f0 = 1.0, _objective(theta, X1, sign, C)
        while _objective(theta - t * step, X1, sign, C) > f0 - 0.25 * t * decrement:
            t *= 0.5
            if t < 1e-10:
                break
        theta = theta - t * step
    return theta[:-1], theta[-1]


def _midranks(values: Tensor) -> Tensor:
    """Ranks 1..n of ``values`` ``(n,)``, ties sharing their mean rank."""
    _, inverse, counts = values.unique(return_inverse=True, return_counts=True)
    last = counts.cumsum(0).to(torch.float64)  # rank of each distinct value's last copy
    return (last - (counts - 1) / 2)[inverse]  # (n,)


def roc_auc(scores: Tensor, labels: Tensor) -> Tensor:
    """Area under the ROC curve, ``P(score_1 > score_0) + P(=) / 2`` (Mann-Whitney).

    Equal to ``sklearn.metrics.roc_auc_score(labels, scores)``.

    Args:
        scores: ``(n,)`` real scores, higher meaning "more like class 1".
        labels: ``(n,)`` 0/1 labels with both classes present.

    Returns:
        The AUC, a 0-dim float64 tensor in [0, 1].

    Raises:
        ValueError: on mismatched shapes or labels not 0/1 with both classes.

    Example:
        >>> roc_auc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        tensor(0.7500, dtype=torch.float64)

    See chapter 07 (shift).
    """
    lab = torch.as_tensor(labels).reshape(-1)
    if scores.dim() != 1 or lab.shape != scores.shape:
        raise ValueError(
            f"scores and labels must be (n,) each, got {tuple(scores.shape)} and "
            f"{tuple(lab.shape)}"
        )
    positive = lab == 1
    if not ((lab == 0) | positive).all() or positive.all() or not positive.any():
        raise ValueError("labels must be 0/1 with both classes present")
    n1, n0 = int(positive.sum()), int((~positive).sum())
    rank_sum = _midranks(scores.to(torch.float64))[positive].sum()
    return (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0)


def _split(
    sample: Tensor, fraction: float, generator: torch.Generator | None
) -> tuple[Tensor, Tensor]:
    """Random ``(train, held_out)`` rows, at least one in each part."""
    n = sample.shape[0]
    order = _random_permutations(1, n, generator, sample.device)[0]  # (n,)
    k = min(n - 1, max(1, round(fraction * n)))
    return sample[order[k:]], sample[order[:k]]


def domain_classifier_test(
    x: Tensor,
    y: Tensor,
    test_fraction: float = 0.5,
    n_permutations: int = 1000,
    generator: torch.Generator | None = None,
    *,
    C: float = 1.0,
) -> TwoSampleResult:
    """Classifier two-sample test: held-out AUC of a logistic regression vs 0.5.

    The procedure is in the module docstring: a stratified random split, a
    standardised L2 logistic regression (``C`` as in scikit-learn), the AUC on
    the held-out rows and a one-sided permutation p-value on them. Newton's
    method costs ``O(n d^2 + d^3)`` per step: meant for features (``d`` up to
    about a thousand); reduce raw images first (pooling, PCA, a network's
    features).

    Args:
        x: first sample ``(n, d)``, ``n >= 2`` (trailing dims are flattened).
        y: second sample ``(m, d)``, ``m >= 2``, same feature shape.
        test_fraction: share of each sample held out (at least one row in
            each part). Defaults to 0.5.
        n_permutations: label permutations of the held-out rows. Defaults
            to 1000.
        generator: source of the split and the permutations. Defaults to None
            (the global RNG).
        C: inverse L2 strength of the logistic regression. Defaults to 1.0.

    Returns:
        ``TwoSampleResult(statistic, p_value)``: the held-out AUC (0.5 is chance)
        and ``(1 + #{AUC_perm >= AUC}) / (1 + P)``, 0-dim float64 tensors.

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: on different feature shapes, fewer than 2 rows, NaN or inf,
            ``test_fraction`` outside (0, 1), ``n_permutations < 1`` or ``C <= 0``.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> x, y = torch.randn(60, 4, generator=g), torch.randn(60, 4, generator=g)
        >>> auc, p = domain_classifier_test(x, y + 1.0, generator=g)
        >>> bool(auc > 0.8), bool(p < 0.01)
        (True, True)

    See chapter 07 (shift).
    """
    a, b = two_samples(x, y)
    fraction = probability(test_fraction, "test_fraction")
    P = positive_int(n_permutations, "n_permutations")
    (train_x, test_x), (train_y, test_y) = (
        _split(s, fraction, generator) for s in (a, b)
    )
    train = torch.cat([train_x, train_y])  # (n_train, d)
    mean, sd = train.mean(0), train.std(0, correction=0)
    sd = torch.where(sd > 0, sd, torch.ones_like(sd))
    labels = torch.cat([train.new_zeros(len(train_x)), train.new_ones(len(train_y))])
    coef, intercept = fit_logistic_regression((train - mean) / sd, labels, C=C)
    test = (torch.cat([test_x, test_y]) - mean) / sd  # (n_test, d)
    ranks = _midranks(test @ coef + intercept)  # (n_test,)
    n0, n1 = len(test_x), len(test_y)
    perms = _random_permutations(P, n0 + n1, generator, ranks.device)  # (P, n_test)
    rank_sums = torch.cat([ranks[n0:].sum()[None], ranks[perms[:, n0:]].sum(1)])
    aucs = (rank_sums - n1 * (n1 + 1) / 2) / (n0 * n1)  # (1 + P,) observed first
    exceed = (aucs[1:] >= aucs[0] - 1e-12).sum()
    return TwoSampleResult(aucs[0], (1 + exceed).to(aucs.dtype) / (1 + P))
