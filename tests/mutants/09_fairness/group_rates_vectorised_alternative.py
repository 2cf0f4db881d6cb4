# replaces: group_rates
# must pass: vectorised with torch.unique(return_inverse=True) and bincount
"""Correct: codes from torch.unique, counts from bincount, no loop."""

import torch


def group_rates(y_true, y_pred, groups):
    ids, codes = torch.unique(groups, return_inverse=True)
    G = len(ids)
    t, p = y_true.double(), y_pred.double()
    n = torch.bincount(codes, minlength=G).double()
    pos = torch.bincount(codes, weights=t, minlength=G).double()
    sel = torch.bincount(codes, weights=p, minlength=G).double()
    tp = torch.bincount(codes, weights=t * p, minlength=G).double()
    return sel / n, tp / pos, (sel - tp) / (n - pos)
