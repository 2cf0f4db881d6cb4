# replaces: patient_bootstrap_ci
# feedback: resample patients (with all their scans), not scans or voxels
"""a bootstrap over scans (images): correlated scans of one patient are treated as independent."""

import torch


def patient_bootstrap_ci(values, patient_ids, n_boot=2000, level=0.95, seed=0):
    values = torch.as_tensor(values, dtype=torch.float64)
    generator = torch.Generator().manual_seed(seed)
    draws = torch.randint(len(values), (n_boot, len(values)), generator=generator)
    replicates = values[draws].mean(1)
    q = torch.tensor([(1 - level) / 2, (1 + level) / 2], dtype=torch.float64)
    low, high = torch.quantile(replicates, q).tolist()
    return float(values.mean()), low, high
