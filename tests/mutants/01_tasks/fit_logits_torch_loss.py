# replaces: fit_logits
# feedback: your answer uses
"""trains on torch's F.cross_entropy instead of the student's own cross_entropy."""

import torch
import torch.nn.functional as F


def fit_logits(group, target, num_groups, num_classes, steps=200, lr=5.0):
    theta = torch.zeros(num_groups, num_classes, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(theta[group], target)
        losses.append(loss.item())
        (g,) = torch.autograd.grad(loss, theta)
        with torch.no_grad():
            theta -= lr * g
    return theta.detach(), torch.tensor(losses)
