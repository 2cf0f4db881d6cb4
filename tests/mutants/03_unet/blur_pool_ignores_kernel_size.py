# replaces: blur_pool
# feedback: ignores kernel_size
"""hard-codes the 3-tap kernel [1, 2, 1] / 4 and ignores the kernel_size argument."""

import torch
import torch.nn.functional as F


def blur_pool(x, kernel_size=3):
    taps = torch.tensor([1.0, 2.0, 1.0], dtype=x.dtype)
    kernel = torch.outer(taps, taps) / 16
    C = x.shape[1]
    x = F.pad(x, (1, 1, 1, 1), mode="reflect")
    return F.conv2d(x, kernel.expand(C, 1, 3, 3), stride=2, groups=C)
