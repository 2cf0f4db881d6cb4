# replaces: softmax
# must pass: computes in float64 and returns the input's dtype
"""Correct: works in float64 internally, with max() instead of amax(), and casts back."""


def softmax(logits, dim=1):
    z = logits.double()
    z = z - z.max(dim=dim, keepdim=True).values
    e = z.exp()
    return (e / e.sum(dim=dim, keepdim=True)).to(logits.dtype)
