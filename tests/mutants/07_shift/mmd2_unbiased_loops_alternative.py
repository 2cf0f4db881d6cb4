# replaces: mmd2_unbiased
# must pass: plain Python loops over the pairs with math.exp, in float64
"""Correct: the three sums written as loops over the rows."""

import math

import torch


def mmd2_unbiased(x, y, sigma):
    xs, ys = x.double().tolist(), y.double().tolist()

    def k(a, b):
        return math.exp(-sum((u - v) ** 2 for u, v in zip(a, b)) / (2 * sigma**2))

    n, m = len(xs), len(ys)
    sxx = sum(k(xs[i], xs[j]) for i in range(n) for j in range(n) if i != j)
    syy = sum(k(ys[i], ys[j]) for i in range(m) for j in range(m) if i != j)
    sxy = sum(k(a, b) for a in xs for b in ys)
    return torch.tensor(sxx / (n * (n - 1)) + syy / (m * (m - 1)) - 2 * sxy / (n * m),
                        dtype=torch.float64)
