# replaces: decompose_variance
# feedback: your answer uses
"""calls the library's implementation."""

from medlearn import uncertainty


def decompose_variance(means, variances):
    return tuple(uncertainty.decompose_variance(means, variances))
