# replaces: cross_entropy
# feedback: assert where a ValueError is asked
"""checks the target's shape with assert instead of raising ValueError."""


def cross_entropy(logits, target):
    assert target.shape == logits.shape[:1] + logits.shape[2:], "target shape"
    shifted = logits - logits.amax(dim=1, keepdim=True)
    log_p = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    return -log_p.gather(1, target.unsqueeze(1)).squeeze(1).mean()
