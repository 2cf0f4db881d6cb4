# replaces: alias_experiment
# feedback: whole image
"""averages the squared values over the whole downsampled image, not only the region above the new limit."""

import math

import torch


def alias_experiment(size=128, kernel_size=3):
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    r2 = coords[:, None] ** 2 + coords[None, :] ** 2
    plate = torch.cos(math.pi * r2 / size).float()[None, None]
    strided = plate[..., ::2, ::2]
    blurred = blur_pool(plate, kernel_size)
    return strided.pow(2).mean().item(), blurred.pow(2).mean().item()
