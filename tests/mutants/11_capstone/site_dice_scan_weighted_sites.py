# replaces: site_dice
# feedback: pool the voxels of all scans
"""the overall Dice as the per-site Dice averaged with weights by number of scans."""

import torch


def site_dice(pred, target, sites):
    per_site, weights = [], []
    for site in sorted(set(sites)):
        rows = [i for i, s in enumerate(sites) if s == site]
        p, t = pred[rows], target[rows]
        per_site.append(2 * (p & t).sum().double() / (p.sum() + t.sum()).double())
        weights.append(len(rows))
    per_site = torch.stack(per_site)
    w = torch.tensor(weights, dtype=torch.float64)
    return per_site, float((per_site * w).sum() / w.sum())
