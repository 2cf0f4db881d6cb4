# replaces: alias_experiment
# feedback: your answer uses
"""takes the zone plate from medlearn.sampling instead of building it."""


import torch

from medlearn.sampling import zone_plate


def alias_experiment(size=128, kernel_size=3):
    plate = zone_plate(size)[None, None]
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    strided = plate[..., ::2, ::2]
    blurred = blur_pool(plate, kernel_size)
    kept = coords[::2]
    freq = (kept[:, None] ** 2 + kept[None, :] ** 2).sqrt() / size
    region = (freq > 0.3) & (freq < 0.5)
    return strided[0, 0][region].pow(2).mean().item(), blurred[0, 0][region].pow(2).mean().item()
