# replaces: threshold_experiment
# feedback: the k-th largest score among the group's positives
"""each group's threshold from the quantile of all its scores, positives and negatives alike."""

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

    q = torch.tensor(1 - target_tpr, dtype=torch.float64)
    single = torch.quantile(scores.double(), q)
    thresholds = torch.stack([torch.quantile(scores[groups == g].double(), q) for g in ids])
    return thresholds, tpr_fpr(single.expand(len(ids))), tpr_fpr(thresholds)
