# replaces: standardized_mean_difference
# feedback: average the variances
"""pools wrongly: the mean of the two standard deviations instead of the root of the mean variance."""


def standardized_mean_difference(a, b):
    a, b = a.double(), b.double()
    return (a.mean(0) - b.mean(0)) / ((a.std(0) + b.std(0)) / 2)
