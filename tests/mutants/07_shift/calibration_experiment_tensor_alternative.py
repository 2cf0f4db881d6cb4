# replaces: calibration_experiment
# must pass: collects the p-values in tensors and returns the rates as means of boolean tensors
"""Correct: p-values gathered per seed, rates from tensor comparisons."""

import torch


def calibration_experiment(n, d, shift, seeds, sigma=1.0, n_permutations=99, alpha=0.05):
    null, shifted = [], []
    for seed in list(seeds):
        gen = torch.Generator()
        gen.manual_seed(seed)
        x = torch.randn(n, d, generator=gen)
        y = torch.randn(n, d, generator=gen)
        null.append(float(mmd_test(x, y, sigma, n_permutations=n_permutations, seed=seed)[1]))
        shifted.append(float(mmd_test(x, y + shift, sigma, n_permutations=n_permutations,
                                      seed=seed)[1]))
    null, shifted = torch.tensor(null), torch.tensor(shifted)
    return (null <= alpha).double().mean().item(), (shifted <= alpha).double().mean().item()
