# replaces: scaled_dot_product_attention
# must pass: einsum for both products, torch.where for the boolean mask
"""Correct: the two products written with einsum, the mask applied with torch.where."""
import math


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.einsum("...le,...se->...ls", q, k) / math.sqrt(q.shape[-1])
    if mask is not None and mask.dtype == torch.bool:
        scores = torch.where(mask, scores, torch.full_like(scores, -math.inf))
    elif mask is not None:
        scores = scores + mask
    return torch.einsum("...ls,...sv->...lv", scores.softmax(dim=-1), v)
