# replaces: alias_experiment
# feedback: coarse pixels
"""measures the radius on the coarse grid without the factor 2: the region is in coarse pixels."""

import math

import torch


def alias_experiment(size=128, kernel_size=3):
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    r2 = coords[:, None] ** 2 + coords[None, :] ** 2
    plate = torch.cos(math.pi * r2 / size).float()[None, None]
    strided = plate[..., ::2, ::2]
    blurred = blur_pool(plate, kernel_size)
    m = strided.shape[-1]
    c = torch.arange(m, dtype=torch.float64) - (m - 1) / 2
    freq = (c[:, None] ** 2 + c[None, :] ** 2).sqrt() / size
    region = (freq > 0.3) & (freq < 0.5)
    return strided[0, 0][region].pow(2).mean().item(), blurred[0, 0][region].pow(2).mean().item()
