# replaces: match_nearest
# must pass: sorts a Python list of (distance, i, j) triples, caliper filtered first, float32 covariates kept
"""Correct: the pairs sorted as tuples, the caliper applied as a filter before the scan."""

import torch


def match_nearest(x, y, caliper=None):
    scale = ((x.var(dim=0) + y.var(dim=0)) / 2) ** 0.5
    a, b = x / scale, y / scale
    triples = sorted(
        (float(((a[i] - b[j]) ** 2).sum().sqrt()), i, j)
        for i in range(len(a))
        for j in range(len(b))
    )
    if caliper is not None:
        triples = [t for t in triples if t[0] <= caliper]
    taken_x, taken_y, pairs = set(), set(), []
    for _, i, j in triples:
        if i in taken_x or j in taken_y:
            continue
        taken_x.add(i)
        taken_y.add(j)
        pairs.append((i, j))
    pairs.sort()
    xi = torch.tensor([i for i, _ in pairs], dtype=torch.long)
    yi = torch.tensor([j for _, j in pairs], dtype=torch.long)
    return xi, yi
