# replaces: scaled_dot_product_attention
# must pass: computes in float64 with a hand-written softmax, returns the inputs' dtype
"""Correct: works in float64 inside (exp of max-shifted scores), casts back at the end."""


def scaled_dot_product_attention(q, k, v, mask=None):
    dtype = q.dtype
    q, k, v = q.double(), k.double(), v.double()
    scores = torch.matmul(q, k.transpose(-1, -2)) * q.shape[-1] ** -0.5
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(mask.logical_not(), float("-inf"))
        else:
            scores = scores + mask.double()
    e = torch.exp(scores - scores.amax(dim=-1, keepdim=True))
    return torch.matmul(e / e.sum(dim=-1, keepdim=True), v).to(dtype)
