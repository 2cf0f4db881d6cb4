# replaces: patient_bootstrap_ci
# must pass: a Python loop over replicates, per-patient sums and counts with bincount
"""Correct: one replicate at a time, each drawn patient's sum and count looked up."""

import torch


def patient_bootstrap_ci(values, patient_ids, n_boot=2000, level=0.95, seed=0):
    v = torch.as_tensor(values).double()
    keys = [p.item() if isinstance(p, torch.Tensor) else p for p in patient_ids]
    index = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    unit = torch.tensor([index[k] for k in keys])
    total = torch.bincount(unit, weights=v, minlength=len(index))
    count = torch.bincount(unit, minlength=len(index)).double()
    g = torch.Generator().manual_seed(seed)
    reps = torch.empty(n_boot, dtype=torch.float64)
    for b in range(n_boot):
        pick = torch.randint(0, len(index), (len(index),), generator=g)
        reps[b] = total[pick].sum() / count[pick].sum()
    alpha = (1 - level) / 2
    return float(v.sum() / len(v)), float(torch.quantile(reps, alpha)), float(torch.quantile(reps, 1 - alpha))
