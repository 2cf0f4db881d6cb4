# replaces: standardized_mean_difference
# must pass: numpy with ddof=1 and var_mean-free arithmetic, returned as a tensor of the input dtype
"""Correct: the same formula in numpy, converted back to a tensor."""

import numpy as np
import torch


def standardized_mean_difference(a, b):
    A, B = a.numpy(), b.numpy()
    sd = np.sqrt((A.var(axis=0, ddof=1) + B.var(axis=0, ddof=1)) / 2)
    return torch.from_numpy((A.mean(axis=0) - B.mean(axis=0)) / sd)
