# replaces: heteroscedastic_loss
# feedback: the log-variance term is 0.5 * log_var
"""drops the factor 1/2 on the log-variance term: the learned variance is too small."""

import torch


def heteroscedastic_loss(mean, log_var, target):
    return (0.5 * torch.exp(-log_var) * (target - mean) ** 2 + log_var).mean()
