# replaces: late_fusion
# feedback: you averaged logits
"""averages the log-odds (log-probabilities) and maps back: a geometric mean of odds."""


def late_fusion(p_image, p_tabular, weight):
    if not 0 <= weight <= 1:
        raise ValueError("weight must be in [0, 1]")
    for p in (p_image, p_tabular):
        if not bool(((p >= 0) & (p <= 1)).all()):
            raise ValueError("probabilities must lie in [0, 1]")
    if p_image.dim() == 1:
        return (weight * p_image.logit() + (1 - weight) * p_tabular.logit()).sigmoid()
    return (weight * p_image.log() + (1 - weight) * p_tabular.log()).softmax(-1)
