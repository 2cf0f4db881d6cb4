# replaces: softmax
# feedback: subtract the largest logit
"""exp without subtracting the max: overflows to inf/nan for logits of 1e4."""


def softmax(logits, dim=1):
    e = logits.exp()
    return e / e.sum(dim=dim, keepdim=True)
