# replaces: fit_logits
# feedback: gradients accumulate in theta.grad
"""calls backward() every step without zeroing theta.grad: the gradients add up."""

import torch


def fit_logits(group, target, num_groups, num_classes, steps=200, lr=5.0):
    theta = torch.zeros(num_groups, num_classes, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = cross_entropy(theta[group], target)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            theta -= lr * theta.grad
    return theta.detach(), torch.tensor(losses)
