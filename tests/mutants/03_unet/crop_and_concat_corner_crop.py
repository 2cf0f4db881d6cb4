# replaces: crop_and_concat
# feedback: off-centre
"""crops the top-left corner of the skip instead of its centre."""

import torch


def crop_and_concat(skip, x):
    slices = [slice(0, m) for m in x.shape[2:]]
    return torch.cat([skip[(..., *slices)], x], dim=1)
