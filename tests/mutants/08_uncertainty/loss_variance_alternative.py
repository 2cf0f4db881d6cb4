# replaces: heteroscedastic_loss
# must pass: written with the variance sigma^2 = exp(log_var), divided and logged
"""Correct: 0.5 * ((y - mu)^2 / var + log var), with var = exp(log_var)."""

import torch


def heteroscedastic_loss(mean, log_var, target):
    var = torch.exp(log_var)
    return torch.mean(0.5 * ((target - mean) ** 2 / var + torch.log(var)))
