# replaces: blur_pool
# feedback: not normalised
"""forgets to divide the binomial kernel by its sum."""

import math

import torch
import torch.nn.functional as F


def blur_pool(x, kernel_size=3):
    k = kernel_size
    taps = torch.tensor([math.comb(k - 1, i) for i in range(k)], dtype=x.dtype)
    kernel = torch.outer(taps, taps)
    C = x.shape[1]
    p = (k - 1) // 2
    x = F.pad(x, (p, p, p, p), mode="reflect")
    return F.conv2d(x, kernel.expand(C, 1, k, k), stride=2, groups=C)
