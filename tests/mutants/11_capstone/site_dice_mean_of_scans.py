# replaces: site_dice
# feedback: mean of per-scan Dice
"""each site's Dice as the mean of its scans' Dice, where the voxels were to be pooled."""

import torch


def site_dice(pred, target, sites):
    tp = (pred & target).flatten(1).sum(1).double()
    size = (pred.flatten(1).sum(1) + target.flatten(1).sum(1)).double()
    scan_dice = 2 * tp / size
    per_site = []
    for site in sorted(set(sites)):
        rows = torch.tensor([s == site for s in sites])
        per_site.append(scan_dice[rows].mean())
    return torch.stack(per_site), float(2 * tp.sum() / size.sum())
