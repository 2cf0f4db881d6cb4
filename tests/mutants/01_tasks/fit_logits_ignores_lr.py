# replaces: fit_logits
# feedback: you ignore the `lr` argument
"""hard-codes the default learning rate 5.0 in the optimiser."""

import torch


def fit_logits(group, target, num_groups, num_classes, steps=200, lr=5.0):
    theta = torch.zeros(num_groups, num_classes, requires_grad=True)
    opt = torch.optim.SGD([theta], lr=5.0)
    losses = []
    for _ in range(steps):
        loss = cross_entropy(theta[group], target)
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return theta.detach(), torch.tensor(losses)
