# replaces: cross_entropy
# feedback: exp(10000) overflows
"""logsumexp written literally: exp(1e4) overflows."""


def cross_entropy(logits, target):
    log_p = logits - logits.exp().sum(dim=1, keepdim=True).log()
    return -log_p.gather(1, target.unsqueeze(1)).squeeze(1).mean()
