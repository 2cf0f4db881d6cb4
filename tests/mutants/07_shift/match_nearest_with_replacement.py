# replaces: match_nearest
# feedback: used more than once
"""matching with replacement: every x row takes its nearest y row, free or not."""

import torch


def match_nearest(x, y, caliper=None):
    x, y = x.double(), y.double()
    scale = ((x.var(0) + y.var(0)) / 2).sqrt()
    dist = torch.cdist(x / scale, y / scale)
    best, j = dist.min(dim=1)
    keep = torch.ones(len(x), dtype=torch.bool) if caliper is None else best <= caliper
    return torch.arange(len(x))[keep], j[keep]
