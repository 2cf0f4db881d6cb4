# replaces: decompose_variance
# must pass: torch.var with unbiased=False
"""Correct: the population variance from Tensor.var(unbiased=False)."""


def decompose_variance(means, variances):
    aleatoric = variances.mean(0)
    epistemic = means.var(0, unbiased=False)
    return (aleatoric + epistemic, aleatoric, epistemic)
