# replaces: crop_and_concat
# feedback: wrong order
"""concatenates the decoder's map first and the skip second."""

import torch


def crop_and_concat(skip, x):
    slices = []
    for n, m in zip(skip.shape[2:], x.shape[2:]):
        start = (n - m) // 2
        slices.append(slice(start, start + m))
    return torch.cat([x, skip[(..., *slices)]], dim=1)
