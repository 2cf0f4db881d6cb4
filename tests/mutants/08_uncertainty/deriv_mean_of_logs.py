# replaces: optimal_log_var
# feedback: not the mean of log r^2
"""averages log r_i^2 (the per-element minimisers) instead of taking the log of the mean of r^2."""

import torch


def optimal_log_var(residuals):
    return torch.log(residuals**2).mean()
