# replaces: alias_experiment
# feedback: your own blur_pool
"""downsamples with 2x2 average pooling instead of the blur_pool of part 2."""

import math

import torch


def alias_experiment(size=128, kernel_size=3):
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    r2 = coords[:, None] ** 2 + coords[None, :] ** 2
    plate = torch.cos(math.pi * r2 / size).float()[None, None]
    strided = plate[..., ::2, ::2]
    blurred = torch.nn.functional.avg_pool2d(plate, 2)
    kept = coords[::2]
    freq = (kept[:, None] ** 2 + kept[None, :] ** 2).sqrt() / size
    region = (freq > 0.3) & (freq < 0.5)
    return strided[0, 0][region].pow(2).mean().item(), blurred[0, 0][region].pow(2).mean().item()
