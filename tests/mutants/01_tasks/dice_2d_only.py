# replaces: dice
# feedback: code written for 2D (H, W) masks only
"""loops over rows and columns: works for (H, W) masks, fails on 3D volumes."""


def dice(pred, target):
    h, w = pred.shape
    tp = fp = fn = 0
    for i in range(h):
        for j in range(w):
            p, t = bool(pred[i, j]), bool(target[i, j])
            tp += p and t
            fp += p and not t
            fn += t and not p
    if tp + fn == 0:
        return float("nan")
    return 2 * tp / (2 * tp + fp + fn)
