# replaces: predict_alias
# feedback: ignores kernel_size
"""always uses the 3-tap gain cos^2(pi f) and ignores kernel_size."""

import math

import torch


def predict_alias(frequency, kernel_size=3):
    if ((frequency < 0) | (frequency > 0.5)).any():
        raise ValueError(f"frequency must lie in [0, 1/2], got {frequency}")
    landed = torch.where(frequency > 0.25, 0.5 - frequency, frequency)
    return landed, torch.cos(math.pi * frequency) ** 2
