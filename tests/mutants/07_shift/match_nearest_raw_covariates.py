# replaces: match_nearest
# feedback: matched on the raw covariates
"""distances on the raw covariates: age in years swamps sex and severity."""

import torch


def match_nearest(x, y, caliper=None):
    dist = torch.cdist(x.double(), y.double())
    m = dist.shape[1]
    used_x, used_y, pairs = set(), set(), []
    for k in dist.flatten().argsort().tolist():
        i, j = divmod(k, m)
        if caliper is not None and dist[i, j] > caliper:
            break
        if i not in used_x and j not in used_y:
            used_x.add(i)
            used_y.add(j)
            pairs.append((i, j))
    pairs.sort()
    return (torch.tensor([p[0] for p in pairs], dtype=torch.long),
            torch.tensor([p[1] for p in pairs], dtype=torch.long))
