# replaces: match_nearest
# feedback: beyond the caliper
"""the caliper is accepted as an argument but never applied."""

import torch


def match_nearest(x, y, caliper=None):
    x, y = x.double(), y.double()
    scale = ((x.var(0) + y.var(0)) / 2).sqrt()
    dist = torch.cdist(x / scale, y / scale)
    m = dist.shape[1]
    used_x, used_y, pairs = set(), set(), []
    for k in dist.flatten().argsort().tolist():
        i, j = divmod(k, m)
        if i not in used_x and j not in used_y:
            used_x.add(i)
            used_y.add(j)
            pairs.append((i, j))
    pairs.sort()
    return torch.tensor([p[0] for p in pairs]), torch.tensor([p[1] for p in pairs])
