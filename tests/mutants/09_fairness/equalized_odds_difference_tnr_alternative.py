# replaces: equalized_odds_difference
# must pass: the TNR gap in place of the FPR gap (TNR = 1 - FPR, so the gaps are equal)
"""Correct: specificity gaps equal FPR gaps, for both methods."""

import torch


def equalized_odds_difference(y_true, y_pred, groups, method="between_groups", agg="worst_case"):
    if method not in ("between_groups", "to_overall"):
        raise ValueError(f"method: {method!r}")
    if agg not in ("worst_case", "mean"):
        raise ValueError(f"agg: {agg!r}")
    t, p = y_true.bool(), y_pred.bool()
    ids = torch.unique(groups)
    tpr = torch.stack([p[t & (groups == g)].double().mean() for g in ids])
    tnr = torch.stack([(~p)[~t & (groups == g)].double().mean() for g in ids])
    if method == "between_groups":
        gaps = torch.stack([tpr.max() - tpr.min(), tnr.max() - tnr.min()])
    else:
        overall = torch.stack([p[t].double().mean(), (~p)[~t].double().mean()])
        gaps = (torch.stack([tpr, tnr]) - overall[:, None]).abs().amax(1)
    return (gaps.max() if agg == "worst_case" else gaps.mean()).item()
