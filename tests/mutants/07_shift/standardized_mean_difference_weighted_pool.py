# replaces: standardized_mean_difference
# feedback: unweighted mean of the two variances
"""pools wrongly: Cohen's d, the variances weighted by n - 1 (the t-test's pooled SD)."""


def standardized_mean_difference(a, b):
    a, b = a.double(), b.double()
    n, m = len(a), len(b)
    pooled = ((n - 1) * a.var(0) + (m - 1) * b.var(0)) / (n + m - 2)
    return (a.mean(0) - b.mean(0)) / pooled.sqrt()
