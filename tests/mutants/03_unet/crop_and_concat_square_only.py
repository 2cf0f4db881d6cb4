# replaces: crop_and_concat
# feedback: non-square
"""takes one size and one offset from the last axis and uses them for every axis: square maps only."""

import torch


def crop_and_concat(skip, x):
    if skip.shape[0] != x.shape[0]:
        raise ValueError("skip and x must have the same batch size")
    n, m = skip.shape[-1], x.shape[-1]
    if m > n:
        raise ValueError("skip is smaller than x")
    o = (n - m) // 2
    return torch.cat([skip[..., o:o + m, o:o + m], x], dim=1)
