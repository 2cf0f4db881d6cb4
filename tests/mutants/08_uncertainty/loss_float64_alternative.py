# replaces: heteroscedastic_loss
# must pass: computed in float64, returned in the input's dtype
"""Correct: the log-variance form computed in float64 for accuracy."""


def heteroscedastic_loss(mean, log_var, target):
    m, s, t = mean.double(), log_var.double(), target.double()
    per_element = 0.5 * (t - m).pow(2) * (-s).exp() + 0.5 * s
    return per_element.sum().div(per_element.numel()).to(mean.dtype)
