# replaces: demographic_parity
# feedback: between the groups themselves
"""differences (and ratios) to the overall rate, whatever the method asked."""

import torch


def _rates(y_pred, groups, method):
    if method not in ("between_groups", "to_overall"):
        raise ValueError(f"unknown method {method!r}")
    pred = y_pred.double()
    return torch.stack([pred[groups == g].mean() for g in torch.unique(groups)]), pred.mean()


def demographic_parity_difference(y_pred, groups, method="between_groups"):
    rates, overall = _rates(y_pred, groups, method)
    return float((rates - overall).abs().max())


def demographic_parity_ratio(y_pred, groups, method="between_groups"):
    rates, overall = _rates(y_pred, groups, method)
    ratio = rates / overall
    return float(torch.minimum(ratio, 1 / ratio).min())
