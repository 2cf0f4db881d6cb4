# replaces: calibration_experiment
# feedback: reject when the p-value is at most alpha
"""rejects whenever the observed MMD^2 is positive, ignoring the p-value."""

import torch


def calibration_experiment(n, d, shift, seeds, sigma=1.0, n_permutations=99, alpha=0.05):
    fp = tp = 0
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        x, y = torch.randn(n, d, generator=g), torch.randn(n, d, generator=g)
        fp += float(mmd_test(x, y, sigma, n_permutations, seed)[0]) > 0
        tp += float(mmd_test(x, y + shift, sigma, n_permutations, seed)[0]) > 0
    return fp / len(seeds), tp / len(seeds)
