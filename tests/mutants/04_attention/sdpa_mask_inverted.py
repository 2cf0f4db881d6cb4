# replaces: scaled_dot_product_attention
# feedback: True where a query may attend
"""reads a boolean mask as 'True = forbidden' (the opposite of torch's convention)."""
import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(mask, -1e9)
        else:
            scores = scores + mask
    return scores.softmax(dim=-1) @ v
