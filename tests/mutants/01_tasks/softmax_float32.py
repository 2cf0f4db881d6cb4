# replaces: softmax
# feedback: converting to float32
"""converts the logits to float32 "to be safe": float64 inputs lose precision and dtype."""


def softmax(logits, dim=1):
    logits = logits.float()
    e = (logits - logits.amax(dim=dim, keepdim=True)).exp()
    return e / e.sum(dim=dim, keepdim=True)
