# replaces: scaled_dot_product_attention
# feedback: changed the caller's q, k, v or mask in place
"""scales the queries with `q /= ...`, which changes the caller's tensor (right output)."""


def scaled_dot_product_attention(q, k, v, mask=None):
    q /= q.shape[-1] ** 0.5  # in place: the caller's q changes
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return scores.softmax(dim=-1) @ v
