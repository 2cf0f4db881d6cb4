# replaces: fit_logits
# must pass: no autograd: the student's cross_entropy_grad, summed into each group's row
"""Correct: the chain rule by hand, d L / d theta[g] = sum of d L / d logits over group g."""

import torch


def fit_logits(group, target, num_groups, num_classes, steps=200, lr=5.0):
    theta = torch.zeros(num_groups, num_classes)
    losses = torch.empty(steps)
    for t in range(steps):
        logits = theta[group]  # (N, C)
        losses[t] = cross_entropy(logits, target)
        grad = torch.zeros_like(theta).index_add_(
            0, group, cross_entropy_grad(logits, target)
        )
        theta = theta - lr * grad
    return theta, losses
