# replaces: match_nearest
# feedback: in their order
"""greedy in the order of the rows of x (each takes its nearest free y), not closest pair first."""

import torch


def match_nearest(x, y, caliper=None):
    x, y = x.double(), y.double()
    scale = ((x.var(0) + y.var(0)) / 2).sqrt()
    dist = torch.cdist(x / scale, y / scale)
    free = torch.ones(len(y), dtype=torch.bool)
    xs, ys = [], []
    for i in range(len(x)):
        d = torch.where(free, dist[i], torch.inf)
        j = int(d.argmin())
        if free[j] and (caliper is None or d[j] <= caliper):
            free[j] = False
            xs.append(i)
            ys.append(j)
    return torch.tensor(xs, dtype=torch.long), torch.tensor(ys, dtype=torch.long)
