# replaces: crop_and_concat
# feedback: off-centre
"""rounds the crop offset up, (n - m + 1) // 2: off-centre by one when n - m is odd."""

import torch


def crop_and_concat(skip, x):
    slices = []
    for n, m in zip(skip.shape[2:], x.shape[2:]):
        start = (n - m + 1) // 2
        slices.append(slice(start, start + m))
    return torch.cat([skip[(..., *slices)], x], dim=1)
