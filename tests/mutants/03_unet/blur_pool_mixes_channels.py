# replaces: blur_pool
# feedback: channels are mixed
"""an ordinary convolution (no groups): every output channel sums all input channels."""

import math

import torch
import torch.nn.functional as F


def blur_pool(x, kernel_size=3):
    k = kernel_size
    taps = torch.tensor([math.comb(k - 1, i) for i in range(k)], dtype=x.dtype)
    kernel = torch.outer(taps, taps)
    kernel = kernel / kernel.sum()
    C = x.shape[1]
    p = (k - 1) // 2
    x = F.pad(x, (p, p, p, p), mode="reflect")
    return F.conv2d(x, kernel.expand(C, C, k, k), stride=2)
