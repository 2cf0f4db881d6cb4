# replaces: late_fusion
# feedback: the weights are swapped
"""weight multiplies the tabular model's probability."""


def late_fusion(p_image, p_tabular, weight):
    if not 0 <= weight <= 1:
        raise ValueError("weight must be in [0, 1]")
    for p in (p_image, p_tabular):
        if not bool(((p >= 0) & (p <= 1)).all()):
            raise ValueError("probabilities must lie in [0, 1]")
    return weight * p_tabular + (1 - weight) * p_image
