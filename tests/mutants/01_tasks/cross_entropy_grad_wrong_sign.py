# replaces: cross_entropy_grad
# feedback: your gradient has the wrong sign
"""onehot(y) - p: the direction that increases the loss."""

import torch


def cross_entropy_grad(logits, target):
    p = softmax(logits, dim=1)
    onehot = torch.zeros_like(p).scatter_(1, target.unsqueeze(1), 1.0)
    return (onehot - p) / target.numel()
