# replaces: demographic_parity
# feedback: the overall rate is the selection rate over all patients
"""'to_overall' against the mean of the groups' rates, not the rate of all patients."""

import torch


def _rates(y_pred, groups, method):
    if method not in ("between_groups", "to_overall"):
        raise ValueError(f"unknown method {method!r}")
    pred = y_pred.double()
    rates = torch.stack([pred[groups == g].mean() for g in torch.unique(groups)])
    return rates, rates.mean()


def demographic_parity_difference(y_pred, groups, method="between_groups"):
    rates, overall = _rates(y_pred, groups, method)
    if method == "between_groups":
        return float(rates.max() - rates.min())
    return float((rates - overall).abs().max())


def demographic_parity_ratio(y_pred, groups, method="between_groups"):
    rates, overall = _rates(y_pred, groups, method)
    if method == "between_groups":
        return float(rates.min() / rates.max())
    ratio = rates / overall
    return float(torch.minimum(ratio, 1 / ratio).min())
