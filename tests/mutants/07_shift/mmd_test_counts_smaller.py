# replaces: mmd_test
# feedback: at least as large
"""counts the permutations whose MMD^2 is at most the observed one."""

import torch


def mmd_test(x, y, sigma, n_permutations=200, seed=0):
    z = torch.cat([x, y])
    n = len(x)
    g = torch.Generator().manual_seed(seed)
    observed = mmd2_unbiased(x, y, sigma)
    count = 0
    for _ in range(n_permutations):
        p = torch.randperm(len(z), generator=g)
        count += int(mmd2_unbiased(z[p[:n]], z[p[n:]], sigma) <= observed + 1e-12)
    return observed, (1 + count) / (1 + n_permutations)
