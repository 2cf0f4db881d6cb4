# replaces: decompose_variance
# must pass: E[x^2] - E[x]^2 in float64 instead of the centred mean of squares
"""Correct: the epistemic part from raw moments, computed in float64."""


def decompose_variance(means, variances):
    m = means.double()
    epistemic = ((m**2).mean(dim=0) - m.mean(dim=0) ** 2).clamp_min(0).to(means.dtype)
    aleatoric = variances.mean(dim=0)
    return aleatoric + epistemic, aleatoric, epistemic
