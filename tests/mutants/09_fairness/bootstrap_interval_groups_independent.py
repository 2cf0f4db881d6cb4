# replaces: bootstrap_interval
# feedback: the rows keep their labels (y_true, y_pred) and their group
"""resamples the group ids independently of the rows' labels (and not within groups): the gap is lost."""

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

    generator = torch.Generator().manual_seed(seed)
    ids = torch.unique(groups)
    estimates = torch.stack([value(truth[groups == g], pred[groups == g]) for g in ids])
    n = len(groups)
    differences = []
    for _ in range(n_boot):
        rows = torch.randint(n, (n,), generator=generator)
        labels = groups[torch.randint(n, (n,), generator=generator)]
        t, p = truth[rows], pred[rows]
        r = torch.stack([value(t[labels == g], p[labels == g]) for g in ids])
        differences.append(r.max() - r.min())
    differences = torch.stack(differences)
    q = torch.tensor([(1 - level) / 2, (1 + level) / 2], dtype=torch.float64)
    low, high = torch.quantile(differences, q).tolist()
    return float(estimates.max() - estimates.min()), low, high
