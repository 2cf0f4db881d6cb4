# replaces: dice
# feedback: the factor 2 in 2TP is missing
"""forgets the factor 2 in the numerator."""


def dice(pred, target):
    pred, target = pred.bool(), target.bool()
    if not target.any():
        return float("nan")
    return (pred & target).sum().item() / (pred.sum().item() + target.sum().item())
