# replaces: blur_pool
# must pass: computes in float64 throughout and casts the result back to x's dtype
"""Correct: a float64 kernel and input, then the result in the input's dtype."""

import math

import torch
import torch.nn.functional as F


def blur_pool(x, kernel_size=3):
    k = kernel_size
    taps = torch.tensor([math.comb(k - 1, i) for i in range(k)], dtype=torch.float64)
    kernel = torch.outer(taps, taps) / 4 ** (k - 1)  # the row sums to 2^(k - 1)
    C = x.shape[1]
    p = (k - 1) // 2
    x64 = F.pad(x.double(), (p, p, p, p), mode="reflect")
    out = F.conv2d(x64, kernel.expand(C, 1, k, k).to(x.device), stride=2, groups=C)
    return out.to(x.dtype)
