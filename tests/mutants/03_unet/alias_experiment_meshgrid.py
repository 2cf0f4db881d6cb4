# replaces: alias_experiment
# must pass: coordinates from torch.meshgrid and torch.hypot, region by boolean mask on the coarse positions
"""Correct: the same measurement written with meshgrid."""


import torch


def alias_experiment(size=128, kernel_size=3):
    c = (size - 1) / 2
    ii, jj = torch.meshgrid(torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64), indexing="ij")
    plate = torch.cos(torch.pi * ((ii - c) ** 2 + (jj - c) ** 2) / size).to(torch.float32).reshape(1, 1, size, size)
    small = {"stride": plate[:, :, ::2, ::2], "blur": blur_pool(plate, kernel_size=kernel_size)}
    f = torch.hypot(ii[::2, ::2] - c, jj[::2, ::2] - c) / size
    mask = (0.3 < f) & (f < 0.5)
    energies = [float((small[name][0, 0] ** 2)[mask].mean()) for name in ("stride", "blur")]
    return energies[0], energies[1]
