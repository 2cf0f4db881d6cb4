# replaces: demographic_parity
# must pass: rates from torch.unique(return_inverse=True) and bincount; the to_overall ratio as min(r, 1/r)
"""Correct: vectorised selection rates; the folded ratio written with torch.where."""

import torch


def _selection(y_pred, groups, method):
    if method not in ("between_groups", "to_overall"):
        raise ValueError(f"method: expected 'between_groups' or 'to_overall', got {method!r}")
    _, codes = torch.unique(groups, return_inverse=True)
    p = y_pred.double()
    rates = torch.bincount(codes, weights=p) / torch.bincount(codes).double()
    return rates, p.mean()


def demographic_parity_difference(y_pred, groups, method="between_groups"):
    r, overall = _selection(y_pred, groups, method)
    gap = r.amax() - r.amin() if method == "between_groups" else (r - overall).abs().amax()
    return gap.item()


def demographic_parity_ratio(y_pred, groups, method="between_groups"):
    r, overall = _selection(y_pred, groups, method)
    if method == "between_groups":
        return (r.amin() / r.amax()).item()
    q = r / overall
    return torch.where(q > 1, 1 / q, q).amin().item()
