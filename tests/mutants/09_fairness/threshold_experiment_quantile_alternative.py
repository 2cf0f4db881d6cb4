# replaces: threshold_experiment
# must pass: thresholds by torch.quantile of the positives' scores at 1 - target (linear)
"""Correct within one patient: an interpolated threshold between two positive scores."""

import torch


def threshold_experiment(scores, y_true, groups, target_tpr=0.8):
    pos = y_true == 1
    ids = torch.unique(groups)
    q = torch.tensor(1 - target_tpr, dtype=torch.float64)
    one = torch.quantile(scores[pos].double(), q)
    own = torch.stack([torch.quantile(scores[pos & (groups == g)].double(), q) for g in ids])

    def rates(cut):
        rows = []
        for g, c in zip(ids, cut):
            hit = scores[groups == g] >= c
            y = pos[groups == g]
            rows.append([hit[y].double().mean(), hit[~y].double().mean()])
        return torch.tensor(rows, dtype=torch.float64)

    return own, rates(one.repeat(len(ids))), rates(own)
