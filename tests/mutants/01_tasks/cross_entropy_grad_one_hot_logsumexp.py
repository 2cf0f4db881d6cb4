# replaces: cross_entropy_grad
# must pass: F.one_hot moved to axis 1 and exp(z - logsumexp(z)) instead of scatter and softmax
"""Correct: p from logsumexp, the one-hot target from F.one_hot, divided by N * H * W."""

import torch
import torch.nn.functional as F


def cross_entropy_grad(logits, target):
    p = (logits - torch.logsumexp(logits, dim=1, keepdim=True)).exp()
    onehot = F.one_hot(target, logits.shape[1]).movedim(-1, 1).to(logits.dtype)
    m = logits.numel() // logits.shape[1]  # samples times pixels
    return (p - onehot) / m
