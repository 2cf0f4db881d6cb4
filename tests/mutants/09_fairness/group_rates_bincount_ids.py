# replaces: group_rates
# feedback: one entry per distinct group id
"""bincount over the raw ids: a row for every integer 0..max(id), and a crash on negative ids."""

import torch


def group_rates(y_true, y_pred, groups):
    t, p = y_true.long(), y_pred.long()
    n = torch.bincount(groups).double()
    pos = torch.bincount(groups, weights=t.double())
    sel = torch.bincount(groups, weights=p.double())
    tp = torch.bincount(groups, weights=(t * p).double())
    fp = sel - tp
    return sel / n, tp / pos, fp / (n - pos)
