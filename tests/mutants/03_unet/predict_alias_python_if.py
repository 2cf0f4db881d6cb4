# replaces: predict_alias
# feedback: a single frequency
"""branches with a Python if on the tensor: works for one frequency, fails for a tensor of several."""

import math

import torch


def predict_alias(frequency, kernel_size=3):
    if frequency < 0 or frequency > 0.5:
        raise ValueError(f"frequency must lie in [0, 1/2], got {frequency}")
    landed = 0.5 - frequency if frequency > 0.25 else frequency.clone()
    return landed, torch.cos(math.pi * frequency) ** (kernel_size - 1)
