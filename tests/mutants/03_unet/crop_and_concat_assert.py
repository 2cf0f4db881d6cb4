# replaces: crop_and_concat
# feedback: not `assert`
"""checks its inputs with assert, which raises AssertionError (and vanishes under python -O), not ValueError."""

import torch


def crop_and_concat(skip, x):
    assert skip.shape[0] == x.shape[0], "skip and x must have the same batch size"
    slices = []
    for n, m in zip(skip.shape[2:], x.shape[2:]):
        assert m <= n, "skip is smaller than x"
        start = (n - m) // 2
        slices.append(slice(start, start + m))
    return torch.cat([skip[(..., *slices)], x], dim=1)
