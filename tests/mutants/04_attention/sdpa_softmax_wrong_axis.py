# replaces: scaled_dot_product_attention
# feedback: your softmax runs over the queries
"""normalises over the queries (dim=-2) instead of over the keys."""
import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return scores.softmax(dim=-2) @ v
