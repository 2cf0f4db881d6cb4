# replaces: standardized_mean_difference
# feedback: SD of the concatenated sample
"""pools wrongly: the SD of the two groups stacked together, which contains the mean difference."""

import torch


def standardized_mean_difference(a, b):
    a, b = a.double(), b.double()
    return (a.mean(0) - b.mean(0)) / torch.cat([a, b]).std(0)
