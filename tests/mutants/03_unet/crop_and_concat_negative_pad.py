# replaces: crop_and_concat
# must pass: crops with F.pad and negative padding, another valid algorithm
"""Correct: a negative padding removes pixels, so F.pad crops (floor before, the rest after)."""

import torch
import torch.nn.functional as F


def crop_and_concat(skip, x):
    if skip.shape[0] != x.shape[0] or skip.ndim != x.ndim:
        raise ValueError("skip and x must have the same batch size and number of axes")
    pad = []
    for n, m in reversed(list(zip(skip.shape[2:], x.shape[2:]))):  # F.pad: last axis first
        if m > n:
            raise ValueError(f"skip ({n}) is smaller than x ({m}) along an axis")
        before = (n - m) // 2
        pad += [-before, -(n - m - before)]
    return torch.cat([F.pad(skip, pad), x], dim=1)
