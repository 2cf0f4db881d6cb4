# replaces: blur_pool
# feedback: This input is float64
"""builds the kernel with torch.tensor's default dtype (float32): a float64 input fails in conv2d."""

import math

import torch
import torch.nn.functional as F


def blur_pool(x, kernel_size=3):
    k = kernel_size
    taps = torch.tensor([float(math.comb(k - 1, i)) for i in range(k)])
    kernel = torch.outer(taps, taps)
    kernel = kernel / kernel.sum()
    C = x.shape[1]
    p = (k - 1) // 2
    x = F.pad(x, (p, p, p, p), mode="reflect")
    return F.conv2d(x, kernel.expand(C, 1, k, k), stride=2, groups=C)
