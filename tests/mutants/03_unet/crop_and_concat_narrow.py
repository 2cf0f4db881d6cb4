# replaces: crop_and_concat
# must pass: Tensor.narrow on each axis instead of a tuple of slices
"""Correct: narrows one spatial axis after the other."""

import torch


def crop_and_concat(skip, x):
    if skip.shape[0] != x.shape[0] or skip.ndim != x.ndim:
        raise ValueError(f"batch sizes or ranks differ: {tuple(skip.shape)} vs {tuple(x.shape)}")
    cropped = skip
    for axis in range(2, skip.ndim):
        n, m = skip.shape[axis], x.shape[axis]
        if m > n:
            raise ValueError(f"skip is smaller than x along axis {axis}: {n} < {m}")
        cropped = cropped.narrow(axis, (n - m) // 2, m)
    return torch.cat((cropped, x), 1)
