# replaces: match_nearest
# must pass: repeatedly the global argmin of the distance matrix, matched rows and columns set to inf
"""Correct: closest pair first by repeated argmin over what is still free."""

import torch


def match_nearest(x, y, caliper=None):
    sd = ((x.var(0) + y.var(0)) / 2).sqrt()
    dist = torch.cdist(x / sd, y / sd, compute_mode="donot_use_mm_for_euclid_dist").clone()
    limit = float("inf") if caliper is None else caliper
    pairs = {}
    while len(pairs) < min(dist.shape):
        k = int(dist.argmin())
        i, j = divmod(k, dist.shape[1])
        if not dist[i, j] <= limit:
            break
        pairs[i] = j
        dist[i, :] = float("inf")
        dist[:, j] = float("inf")
    order = sorted(pairs)
    return torch.tensor(order, dtype=torch.long), torch.tensor([pairs[i] for i in order],
                                                               dtype=torch.long)
