# replaces: mmd2_unbiased
# feedback: divides the squared distance by 2 sigma^2
"""the kernel exp(-d^2 / sigma^2): the factor 2 of the Gaussian kernel forgotten."""

import torch


def mmd2_unbiased(x, y, sigma):
    x, y = x.double(), y.double()
    n, m = len(x), len(y)

    def kernel(a, b):
        return torch.exp(-((a[:, None] - b[None]) ** 2).sum(-1) / sigma**2)

    kxx, kyy = kernel(x, x), kernel(y, y)
    return ((kxx.sum() - n) / (n * (n - 1)) + (kyy.sum() - m) / (m * (m - 1))
            - 2 * kernel(x, y).mean())
