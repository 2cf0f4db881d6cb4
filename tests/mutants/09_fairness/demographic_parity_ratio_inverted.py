# replaces: demographic_parity
# feedback: the ratio is inverted
"""the ratio as the largest rate over the smallest (above 1)."""

import torch


def _rates(y_pred, groups, method):
    if method not in ("between_groups", "to_overall"):
        raise ValueError(f"unknown method {method!r}")
    pred = y_pred.double()
    return torch.stack([pred[groups == g].mean() for g in torch.unique(groups)]), pred.mean()


def demographic_parity_difference(y_pred, groups, method="between_groups"):
    rates, overall = _rates(y_pred, groups, method)
    if method == "between_groups":
        return float(rates.max() - rates.min())
    return float((rates - overall).abs().max())


def demographic_parity_ratio(y_pred, groups, method="between_groups"):
    rates, overall = _rates(y_pred, groups, method)
    if method == "between_groups":
        return float(rates.max() / rates.min())
    ratio = rates / overall
    return float(torch.maximum(ratio, 1 / ratio).max())
