# replaces: heteroscedastic_loss
# feedback: the variance is exp(log_var)
"""uses the log-variance as if it were the variance (NaN for negative log-variances)."""

import torch


def heteroscedastic_loss(mean, log_var, target):
    return (0.5 * (target - mean) ** 2 / log_var + 0.5 * torch.log(log_var)).mean()
