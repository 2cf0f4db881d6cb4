# replaces: threshold_experiment
# feedback: each row holds the group's (TPR, FPR), in that order
"""returns (FPR, TPR) per row."""

import math

import torch


def threshold_experiment(scores, y_true, groups, target_tpr=0.8):
    truth = y_true.bool()
    ids = torch.unique(groups)

    def tpr_fpr(per_group):
        out = []
        for g, t in zip(ids, per_group):
            rows = groups == g
            predicted = scores[rows] >= t
            out.append(torch.stack([predicted[truth[rows]].double().mean(),
                                    predicted[~truth[rows]].double().mean()]))
        return torch.stack(out)

    def rule(s):
        return s.double().sort(descending=True).values[math.ceil(target_tpr * len(s) - 1e-9) - 1]

    single = rule(scores[truth])
    thresholds = torch.stack([rule(scores[truth & (groups == g)]) for g in ids])
    return thresholds, tpr_fpr(single.expand(len(ids))).flip(1), tpr_fpr(thresholds).flip(1)
