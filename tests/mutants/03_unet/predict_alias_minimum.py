# replaces: predict_alias
# must pass: folds with torch.minimum(f, 1/2 - f) instead of torch.where
"""Correct: for 0 <= f <= 1/2, min(f, 1/2 - f) is the folded frequency."""

import math

import torch


def predict_alias(frequency, kernel_size=3):
    if bool((frequency < 0).any()) or bool((frequency > 0.5).any()):
        raise ValueError("every frequency must be in [0, 0.5]")
    return torch.minimum(frequency, 0.5 - frequency), torch.cos(math.pi * frequency).pow(kernel_size - 1)
