# replaces: threshold_experiment
# feedback: give each group its own threshold, from its own positives
"""the pooled threshold for every group: after = before."""

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

    pos = scores[truth].double().sort(descending=True).values
    single = pos[math.ceil(target_tpr * len(pos) - 1e-9) - 1]
    thresholds = single.expand(len(ids)).clone()
    return thresholds, tpr_fpr(thresholds), tpr_fpr(thresholds)
