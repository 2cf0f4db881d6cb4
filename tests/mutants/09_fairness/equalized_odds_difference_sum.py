# replaces: equalized_odds_difference
# feedback: the sum of the two gaps
"""adds the TPR and FPR gaps for the worst case."""

import torch


def _gaps(y_true, y_pred, groups, method):
    truth, pred = y_true.bool(), y_pred.bool()
    gaps = []
    for keep in (truth, ~truth):
        rates = torch.stack([pred[keep & (groups == g)].double().mean()
                             for g in torch.unique(groups)])
        if method == "between_groups":
            gaps.append(rates.max() - rates.min())
        else:
            gaps.append((rates - pred[keep].double().mean()).abs().max())
    return gaps


def equalized_odds_difference(y_true, y_pred, groups, method="between_groups", agg="worst_case"):
    if method not in ("between_groups", "to_overall") or agg not in ("worst_case", "mean"):
        raise ValueError(f"unknown method {method!r} or agg {agg!r}")
    tpr_gap, fpr_gap = _gaps(y_true, y_pred, groups, method)
    return float(tpr_gap + fpr_gap if agg == "worst_case" else (tpr_gap + fpr_gap) / 2)
