# replaces: predict_alias
# feedback: downsampled grid
"""gives the landing frequency in cycles per pixel of the downsampled grid (twice the value per original pixel)."""

import math

import torch


def predict_alias(frequency, kernel_size=3):
    if ((frequency < 0) | (frequency > 0.5)).any():
        raise ValueError(f"frequency must lie in [0, 1/2], got {frequency}")
    landed = torch.where(frequency > 0.25, 0.5 - frequency, frequency)
    return 2 * landed, torch.cos(math.pi * frequency) ** (kernel_size - 1)
