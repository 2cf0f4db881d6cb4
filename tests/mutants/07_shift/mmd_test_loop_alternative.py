# replaces: mmd_test
# must pass: a loop over permutations that recomputes the student's own mmd2_unbiased each time
"""Correct: the obvious loop, the kernel recomputed for every relabelling."""

import torch


def mmd_test(x, y, sigma, n_permutations=200, seed=0):
    z = torch.cat([x, y])
    n = len(x)
    g = torch.Generator().manual_seed(seed)
    observed = mmd2_unbiased(x, y, sigma)
    perm_stats = torch.stack([
        mmd2_unbiased(z[p[:n]], z[p[n:]], sigma)
        for p in (torch.randperm(len(z), generator=g) for _ in range(n_permutations))
    ])
    p_value = (1 + (perm_stats >= observed - 1e-12).sum()) / (1 + n_permutations)
    return observed, p_value
