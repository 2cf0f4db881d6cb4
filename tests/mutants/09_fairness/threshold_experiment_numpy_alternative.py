# replaces: threshold_experiment
# must pass: numpy sort and ceil, tensors built at the end
"""Correct: the same rule with numpy."""

import math

import numpy as np
import torch


def threshold_experiment(scores, y_true, groups, target_tpr=0.8):
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y_true).astype(bool)
    g = np.asarray(groups)
    ids = np.unique(g)

    def rule(pos_scores):
        k = math.ceil(target_tpr * len(pos_scores) - 1e-9)
        return np.sort(pos_scores)[::-1][k - 1]

    def rates(cuts):
        return np.array([[(s[(g == i) & y] >= c).mean(), (s[(g == i) & ~y] >= c).mean()]
                         for i, c in zip(ids, cuts)])

    own = np.array([rule(s[(g == i) & y]) for i in ids])
    one = np.full(len(ids), rule(s[y]))
    return torch.tensor(own), torch.tensor(rates(one)), torch.tensor(rates(own))
