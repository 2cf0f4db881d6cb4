# replaces: blur_pool
# must pass: folds batch and channels into one axis (B * C, 1, H, W) instead of groups=C
"""Correct: every plane filtered on its own by reshaping, then the shape restored."""

import math

import torch
import torch.nn.functional as F


def blur_pool(x, kernel_size=3):
    k = kernel_size
    B, C, H, W = x.shape
    row = torch.tensor([math.comb(k - 1, i) for i in range(k)], dtype=x.dtype)
    kernel = (row[:, None] * row[None, :]) / row.sum() ** 2
    p = (k - 1) // 2
    planes = F.pad(x.reshape(B * C, 1, H, W), (p, p, p, p), mode="reflect")
    out = F.conv2d(planes, kernel.view(1, 1, k, k).to(x.device), stride=2)
    return out.reshape(B, C, *out.shape[-2:])
