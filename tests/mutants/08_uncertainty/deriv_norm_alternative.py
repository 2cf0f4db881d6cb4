# replaces: optimal_log_var
# must pass: 2 log(||r|| / sqrt(n)) with the vector norm
"""Correct: mean r^2 = ||r||^2 / n, so s* = 2 log ||r|| - log n."""

import math

import torch


def optimal_log_var(residuals):
    return 2 * torch.log(torch.linalg.vector_norm(residuals)) - math.log(residuals.numel())
