# replaces: cross_entropy_grad
# feedback: the loss is the mean over the
"""the gradient of the summed loss: forgets to divide by the number of samples and pixels."""

import torch


def cross_entropy_grad(logits, target):
    p = softmax(logits, dim=1)
    onehot = torch.zeros_like(p).scatter_(1, target.unsqueeze(1), 1.0)
    return p - onehot
