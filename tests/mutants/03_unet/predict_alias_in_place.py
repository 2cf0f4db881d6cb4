# replaces: predict_alias
# feedback: in place
"""folds the frequencies by assigning into the caller's tensor (frequency[mask] = ...)."""

import math

import torch


def predict_alias(frequency, kernel_size=3):
    if ((frequency < 0) | (frequency > 0.5)).any():
        raise ValueError(f"frequency must lie in [0, 1/2], got {frequency}")
    amplitude = torch.cos(math.pi * frequency) ** (kernel_size - 1)
    high = frequency > 0.25
    frequency[high] = 0.5 - frequency[high]
    return frequency, amplitude
