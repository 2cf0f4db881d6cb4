# replaces: dice
# must pass: sums over a flattened float view instead of boolean counts
"""Correct: flatten, cast to float, 2 * sum(p * t) / (sum(p) + sum(t))."""


def dice(pred, target):
    p = pred.reshape(-1).double()
    t = target.reshape(-1).double()
    if t.sum() == 0:
        return float("nan")
    return float(2 * (p * t).sum() / (p.sum() + t.sum()))
