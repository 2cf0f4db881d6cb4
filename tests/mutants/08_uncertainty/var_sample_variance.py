# replaces: decompose_variance
# feedback: dividing by T - 1
"""epistemic part as a sample variance (divides by T - 1) instead of the population variance."""


def decompose_variance(means, variances):
    aleatoric = variances.mean(dim=0)
    epistemic = means.var(dim=0)
    return aleatoric + epistemic, aleatoric, epistemic
