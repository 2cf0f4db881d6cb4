# replaces: predict_alias
# must pass: computed in NumPy (float64) and returned as tensors
"""Correct: the same formulas on a NumPy copy of the input."""

import torch


def predict_alias(frequency, kernel_size=3):
    import numpy as np

    f = frequency.detach().cpu().numpy().astype(np.float64)
    if np.any(f < 0) or np.any(f > 0.5):
        raise ValueError("frequency outside [0, 1/2]")
    landed = np.where(f > 0.25, 0.5 - f, f)
    return torch.from_numpy(landed), torch.from_numpy(np.cos(np.pi * f) ** (kernel_size - 1))
