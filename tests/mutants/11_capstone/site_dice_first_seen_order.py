# replaces: site_dice
# feedback: sites in sorted order
"""sites in the order they first appear, not sorted."""

import torch


def site_dice(pred, target, sites):
    tp = (pred & target).flatten(1).sum(1).double()
    size = (pred.flatten(1).sum(1) + target.flatten(1).sum(1)).double()
    per_site = []
    for site in dict.fromkeys(sites):
        rows = torch.tensor([s == site for s in sites])
        per_site.append(2 * tp[rows].sum() / size[rows].sum())
    return torch.stack(per_site), float(2 * tp.sum() / size.sum())
