# replaces: dice
# feedback: you computed IoU
"""computes IoU (Jaccard), TP / (TP + FP + FN), instead of Dice."""


def dice(pred, target):
    pred, target = pred.bool(), target.bool()
    if not target.any():
        return float("nan")
    tp = (pred & target).sum().item()
    return tp / (pred | target).sum().item()
