# replaces: blur_pool
# feedback: padded with zeros
"""pads with zeros (F.conv2d's padding) instead of reflecting the border."""

import math

import torch
import torch.nn.functional as F


def blur_pool(x, kernel_size=3):
    k = kernel_size
    taps = torch.tensor([math.comb(k - 1, i) for i in range(k)], dtype=x.dtype)
    kernel = torch.outer(taps, taps)
    kernel = kernel / kernel.sum()
    C = x.shape[1]
    return F.conv2d(x, kernel.expand(C, 1, k, k), stride=2, padding=(k - 1) // 2, groups=C)
