# replaces: scaled_dot_product_attention
# feedback: forgot the 1/sqrt(E) scale
"""forgets the 1/sqrt(d) scale: the softmax is too sharp."""
import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return scores.softmax(dim=-1) @ v
