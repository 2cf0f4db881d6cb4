# replaces: optimal_log_var
# must pass: log-sum-exp of 2 log|r| (stable for huge residuals), in float64
"""Correct: log mean r^2 = logsumexp(2 log|r|) - log n, computed in float64."""

import math

import torch


def optimal_log_var(residuals):
    r = residuals.double().reshape(-1)
    s = torch.logsumexp(2 * r.abs().log(), dim=0) - math.log(r.numel())
    return s.to(residuals.dtype)
