# replaces: demographic_parity
# feedback: raise a ValueError for a method other than
"""any method other than 'between_groups' is silently taken as 'to_overall' (a typo passes)."""

import torch


def _rates(y_pred, groups):
    pred = y_pred.double()
    return torch.stack([pred[groups == g].mean() for g in torch.unique(groups)]), pred.mean()


def demographic_parity_difference(y_pred, groups, method="between_groups"):
    rates, overall = _rates(y_pred, groups)
    if method == "between_groups":
        return float(rates.max() - rates.min())
    return float((rates - overall).abs().max())


def demographic_parity_ratio(y_pred, groups, method="between_groups"):
    rates, overall = _rates(y_pred, groups)
    if method == "between_groups":
        return float(rates.min() / rates.max())
    ratio = rates / overall
    return float(torch.minimum(ratio, 1 / ratio).min())
