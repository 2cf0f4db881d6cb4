# replaces: bootstrap_interval
# feedback: not torch's global generator
"""draws from torch's global generator: the seed is ignored."""

import torch


def bootstrap_interval(y_true, y_pred, groups, rate="tpr", n_boot=1000, level=0.95, seed=0):
    if rate not in ("selection_rate", "tpr", "fpr"):
        raise ValueError(f"rate: {rate!r}")
    truth, pred = y_true.bool(), y_pred.bool()

    def value(t, p):
        if rate == "selection_rate":
            return p.double().mean(-1)
        among = t if rate == "tpr" else ~t
        return (p & among).sum(-1).double() / among.sum(-1)

    estimates, replicates = [], []
    for g in torch.unique(groups):
        rows = (groups == g).nonzero().flatten()
        drawn = rows[torch.randint(len(rows), (n_boot, len(rows)))]
        estimates.append(value(truth[rows], pred[rows]))
        replicates.append(value(truth[drawn], pred[drawn]))
    estimates, replicates = torch.stack(estimates), torch.stack(replicates, 1)
    differences = replicates.amax(1) - replicates.amin(1)
    q = torch.tensor([(1 - level) / 2, (1 + level) / 2], dtype=torch.float64)
    low, high = torch.quantile(differences, q).tolist()
    return float(estimates.max() - estimates.min()), low, high
