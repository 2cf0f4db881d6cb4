# replaces: heteroscedastic_loss
# feedback: your answer uses
"""delegates to PyTorch's Gaussian negative log-likelihood."""

import torch.nn.functional as F


def heteroscedastic_loss(mean, log_var, target):
    return F.gaussian_nll_loss(mean, target, log_var.exp(), eps=1e-12)
