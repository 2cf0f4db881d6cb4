# replaces: site_dice
# must pass: per-site voxel counts accumulated with index_add over site codes, FP and FN counted
"""Correct: TP, FP and FN per scan, summed per site with index_add, Dice = 2TP / (2TP + FP + FN)."""

import torch


def site_dice(pred, target, sites):
    names = sorted(set(sites))
    code = torch.tensor([names.index(s) for s in sites])
    tp = (pred & target).reshape(len(sites), -1).sum(1).float()
    fp = (pred & ~target).reshape(len(sites), -1).sum(1).float()
    fn = (~pred & target).reshape(len(sites), -1).sum(1).float()
    counts = torch.zeros(len(names), 3).index_add_(0, code, torch.stack([tp, fp, fn], 1))
    per_site = 2 * counts[:, 0] / (2 * counts[:, 0] + counts[:, 1] + counts[:, 2])
    total = counts.sum(0)
    return per_site, (2 * total[0] / (2 * total[0] + total[1] + total[2])).item()
