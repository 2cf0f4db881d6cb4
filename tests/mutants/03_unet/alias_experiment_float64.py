# replaces: alias_experiment
# must pass: the zone plate in float64 (blur_pool and the energies in float64)
"""Correct: the same experiment without the cast to float32."""

import math

import torch


def alias_experiment(size=128, kernel_size=3):
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    r2 = coords[:, None] ** 2 + coords[None, :] ** 2
    plate = torch.cos(math.pi * r2 / size)[None, None]
    strided = plate[..., ::2, ::2]
    blurred = blur_pool(plate, kernel_size)
    kept = coords[::2]
    freq = (kept[:, None] ** 2 + kept[None, :] ** 2).sqrt() / size
    region = (freq > 0.3) & (freq < 0.5)
    return strided[0, 0][region].pow(2).mean().item(), blurred[0, 0][region].pow(2).mean().item()
