# replaces: predict_alias
# feedback: acts before the subsampling
"""takes the filter's gain at the frequency where the tone lands instead of at its own frequency."""

import math

import torch


def predict_alias(frequency, kernel_size=3):
    if ((frequency < 0) | (frequency > 0.5)).any():
        raise ValueError(f"frequency must lie in [0, 1/2], got {frequency}")
    landed = torch.where(frequency > 0.25, 0.5 - frequency, frequency)
    return landed, torch.cos(math.pi * landed) ** (kernel_size - 1)
