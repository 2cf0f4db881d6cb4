# replaces: decompose_entropy
# feedback: an in-place change of the caller's tensor
"""avoids log(0) by clamping the caller's probabilities in place (clamp_)."""

import torch


def decompose_entropy(probs):
    probs.clamp_(min=1e-12)
    mean = probs.mean(dim=0)
    total = -(mean * torch.log(mean)).sum(dim=1)
    aleatoric = -(probs * torch.log(probs)).sum(dim=2).mean(dim=0)
    return total, aleatoric, total - aleatoric
