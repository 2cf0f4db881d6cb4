# replaces: calibration_experiment
# feedback: y + shift moves every feature
"""shifts only the first feature of y."""

import torch


def calibration_experiment(n, d, shift, seeds, sigma=1.0, n_permutations=99, alpha=0.05):
    fp = tp = 0
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        x, y = torch.randn(n, d, generator=g), torch.randn(n, d, generator=g)
        moved = y.clone()
        moved[:, 0] += shift
        fp += float(mmd_test(x, y, sigma, n_permutations, seed)[1]) <= alpha
        tp += float(mmd_test(x, moved, sigma, n_permutations, seed)[1]) <= alpha
    return fp / len(seeds), tp / len(seeds)
