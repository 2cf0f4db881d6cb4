# replaces: softmax
# must pass: exp(z - logsumexp(z)) instead of subtracting the max
"""Correct: the log-sum-exp form, computed with torch.logsumexp."""

import torch


def softmax(logits, dim=1):
    return (logits - torch.logsumexp(logits, dim=dim, keepdim=True)).exp()
