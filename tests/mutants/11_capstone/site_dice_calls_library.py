# replaces: site_dice
# feedback: your answer uses
"""delegates the Dice to medlearn.metrics.dice (chapter 01's library function)."""

import torch
from medlearn.metrics import dice as _dice


def site_dice(pred, target, sites):
    per_site = []
    for site in sorted(set(sites)):
        rows = [i for i, s in enumerate(sites) if s == site]
        per_site.append(_dice(pred[rows], target[rows]))
    return torch.tensor(per_site, dtype=torch.float64), float(_dice(pred, target))
