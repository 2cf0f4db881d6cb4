# replaces: late_fusion
# feedback: check that every value lies in [0, 1]
"""checks the weight but not the inputs: logits pass silently."""


def late_fusion(p_image, p_tabular, weight):
    if not 0 <= weight <= 1:
        raise ValueError("weight must be in [0, 1]")
    return weight * p_image + (1 - weight) * p_tabular
