# replaces: blur_pool
# feedback: your answer uses
"""takes the normalised kernel from the library instead of building it."""

import torch.nn.functional as F

from medlearn.sampling import binomial_kernel


def blur_pool(x, kernel_size=3):
    k = kernel_size
    kernel = binomial_kernel(k, 2, dtype=x.dtype)
    C = x.shape[1]
    p = (k - 1) // 2
    x = F.pad(x, (p, p, p, p), mode="reflect")
    return F.conv2d(x, kernel.expand(C, 1, k, k), stride=2, groups=C)
