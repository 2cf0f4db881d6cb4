# replaces: mmd_test
# must pass: all permutations at once (rand + argsort), indicator vectors against one kernel matrix
"""Correct: one kernel matrix, a (P, N) indicator of the x rows, the sums as quadratic forms."""

import torch


def mmd_test(x, y, sigma, n_permutations=200, seed=0):
    z = torch.cat([x, y]).double()
    n, N = len(x), len(z)
    m = N - n
    K = torch.exp(-torch.cdist(z, z, compute_mode="donot_use_mm_for_euclid_dist") ** 2
                  / (2 * sigma**2))
    K = K - torch.diag(torch.diag(K))
    g = torch.Generator().manual_seed(seed)
    perms = torch.rand(n_permutations, N, generator=g).argsort(dim=1)
    labels = torch.cat([torch.arange(N)[None], perms])  # row 0: the observed labelling
    A = torch.zeros(len(labels), N, dtype=torch.float64)
    A.scatter_(1, labels[:, :n], 1.0)  # (1 + P, N) indicator of the rows called x
    B = 1 - A
    sxx = ((A @ K) * A).sum(1)
    syy = ((B @ K) * B).sum(1)
    sxy = ((A @ K) * B).sum(1)
    stats = sxx / (n * (n - 1)) + syy / (m * (m - 1)) - 2 * sxy / (n * m)
    observed = stats[0]
    return observed, float((1 + (stats[1:] >= observed - 1e-12).sum()) / (1 + n_permutations))
