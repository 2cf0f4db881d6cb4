# replaces: cross_entropy
# feedback: log(softmax(z)) takes the log of a probability that underflowed
"""log(softmax): the probability underflows to 0 and the loss to inf for large logits."""


def cross_entropy(logits, target):
    shifted = logits - logits.amax(dim=1, keepdim=True)
    p = shifted.exp() / shifted.exp().sum(dim=1, keepdim=True)
    return -p.log().gather(1, target.unsqueeze(1)).squeeze(1).mean()
