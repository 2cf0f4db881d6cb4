# replaces: predict_alias
# feedback: not `assert`
"""checks the range with assert, which raises AssertionError (and vanishes under python -O), not ValueError."""

import math

import torch


def predict_alias(frequency, kernel_size=3):
    assert ((frequency >= 0) & (frequency <= 0.5)).all(), "frequency must lie in [0, 1/2]"
    landed = torch.where(frequency > 0.25, 0.5 - frequency, frequency)
    return landed, torch.cos(math.pi * frequency) ** (kernel_size - 1)
