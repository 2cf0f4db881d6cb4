# replaces: softmax
# feedback: softmax changed the caller's `logits` tensor
"""subtracts the max in place (logits -= ...): right probabilities, but the caller's tensor is changed."""


def softmax(logits, dim=1):
    logits -= logits.amax(dim=dim, keepdim=True)
    e = logits.exp()
    return e / e.sum(dim=dim, keepdim=True)
