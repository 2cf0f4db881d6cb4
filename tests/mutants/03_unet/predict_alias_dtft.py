# replaces: predict_alias
# must pass: the gain as the binomial taps' own frequency response (a sum over taps), not the closed form
"""Correct: sum_i C(k-1, i) cos(2 pi f (i - (k-1)/2)) / 2^(k-1), the filter's response at f."""

import math

import torch


def predict_alias(frequency, kernel_size=3):
    if ((frequency < 0) | (frequency > 0.5)).any():
        raise ValueError(f"frequency must lie in [0, 1/2], got {frequency}")
    k = kernel_size
    gain = torch.zeros_like(frequency)
    for i in range(k):
        gain = gain + math.comb(k - 1, i) * torch.cos(2 * math.pi * frequency * (i - (k - 1) / 2))
    landed = frequency.clone()
    landed[frequency > 0.25] = 0.5 - frequency[frequency > 0.25]
    return landed, (gain / 2 ** (k - 1)).abs()
