# replaces: group_rates
# feedback: your TPR is the precision (PPV)
"""the precision TP / (TP + FP) returned as the TPR."""

import torch


def group_rates(y_true, y_pred, groups):
    truth, pred = y_true.bool(), y_pred.bool()
    selection, tpr, fpr = [], [], []
    for g in torch.unique(groups):
        rows = groups == g
        t, p = truth[rows], pred[rows]
        selection.append(p.double().mean())
        tpr.append((p & t).sum().double() / p.sum())
        fpr.append((p & ~t).sum().double() / (~t).sum())
    return torch.stack(selection), torch.stack(tpr), torch.stack(fpr)
