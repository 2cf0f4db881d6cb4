# replaces: heteroscedastic_loss
# feedback: divided by the variance exp(log_var)
"""multiplies the squared residual by exp(+s), the variance, instead of dividing by it."""

import torch


def heteroscedastic_loss(mean, log_var, target):
    return (0.5 * torch.exp(log_var) * (target - mean) ** 2 + 0.5 * log_var).mean()
