# replaces: predict_alias
# feedback: folds back
"""returns the tone's own frequency: forgets that above the new limit 1/4 it folds to 1/2 - f."""

import math

import torch


def predict_alias(frequency, kernel_size=3):
    if ((frequency < 0) | (frequency > 0.5)).any():
        raise ValueError(f"frequency must lie in [0, 1/2], got {frequency}")
    return frequency.clone(), torch.cos(math.pi * frequency) ** (kernel_size - 1)
