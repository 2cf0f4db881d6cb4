# replaces: mmd2_unbiased
# feedback: divide by n(n - 1)
"""leaves the diagonal out but still divides the within-sample sums by n^2."""

import torch


def mmd2_unbiased(x, y, sigma):
    x, y = x.double(), y.double()
    n, m = len(x), len(y)

    def kernel(a, b):
        return torch.exp(-((a[:, None] - b[None]) ** 2).sum(-1) / (2 * sigma**2))

    kxx, kyy = kernel(x, x), kernel(y, y)
    return ((kxx.sum() - kxx.trace()) / n**2 + (kyy.sum() - kyy.trace()) / m**2
            - 2 * kernel(x, y).mean())
