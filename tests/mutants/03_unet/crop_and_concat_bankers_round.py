# replaces: crop_and_concat
# feedback: round()
"""rounds the offset with Python's round(), which rounds halves to even: off-centre when (n - m) // 2 is odd."""

import torch


def crop_and_concat(skip, x):
    if skip.shape[0] != x.shape[0] or skip.ndim != x.ndim:
        raise ValueError("skip and x must have the same batch size and number of axes")
    slices = []
    for n, m in zip(skip.shape[2:], x.shape[2:]):
        if m > n:
            raise ValueError("skip is smaller than x")
        start = round((n - m) / 2)
        slices.append(slice(start, start + m))
    return torch.cat([skip[(..., *slices)], x], dim=1)
