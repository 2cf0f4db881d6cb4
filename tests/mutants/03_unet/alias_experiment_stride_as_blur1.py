# replaces: alias_experiment
# must pass: plain striding computed as blur_pool with a 1-tap kernel, and the coarse grid's own centre (as the chapter does)
"""Correct: blur_pool(plate, 1) is striding; the coarse centre is half a pixel off, within tolerance."""

import math

import torch


def alias_experiment(size=128, kernel_size=3):
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    plate = torch.cos(math.pi * (coords[:, None] ** 2 + coords[None, :] ** 2) / size)[None, None].float()
    strided = blur_pool(plate, 1)
    blurred = blur_pool(plate, kernel_size)
    m = strided.shape[-1]
    c = 2 * (torch.arange(m, dtype=torch.float64) - (m - 1) / 2)
    freq = (c[:, None] ** 2 + c[None, :] ** 2).sqrt() / size
    region = (freq > 0.3) & (freq < 0.5)
    return strided[0, 0][region].pow(2).mean().item(), blurred[0, 0][region].pow(2).mean().item()
