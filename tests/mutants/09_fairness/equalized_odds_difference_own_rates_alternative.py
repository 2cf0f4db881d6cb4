# replaces: equalized_odds_difference
# must pass: calls the student's own group_rates from part 1
"""Correct: per-group and overall rates from group_rates (all patients as one group)."""

import torch


def equalized_odds_difference(y_true, y_pred, groups, method="between_groups", agg="worst_case"):
    if method not in ("between_groups", "to_overall") or agg not in ("worst_case", "mean"):
        raise ValueError(f"method {method!r} / agg {agg!r}")
    _, tpr, fpr = group_rates(y_true, y_pred, groups)
    _, all_tpr, all_fpr = group_rates(y_true, y_pred, torch.zeros_like(groups))
    gaps = []
    for r, r_all in ((tpr, all_tpr), (fpr, all_fpr)):
        gaps.append(r.max() - r.min() if method == "between_groups" else (r - r_all).abs().max())
    return float(max(gaps) if agg == "worst_case" else sum(gaps) / 2)
