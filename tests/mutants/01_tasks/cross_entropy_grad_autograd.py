# replaces: cross_entropy_grad
# feedback: your answer uses
"""asks autograd for the gradient instead of deriving it."""

import torch


def cross_entropy_grad(logits, target):
    z = logits.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(cross_entropy(z, target), z)
    return g
