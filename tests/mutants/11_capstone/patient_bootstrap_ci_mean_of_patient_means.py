# replaces: patient_bootstrap_ci
# feedback: mean of the patients' means
"""each patient first reduced to their mean, then a plain bootstrap of those means."""

import torch


def patient_bootstrap_ci(values, patient_ids, n_boot=2000, level=0.95, seed=0):
    values = torch.as_tensor(values, dtype=torch.float64)
    ids = patient_ids.tolist() if isinstance(patient_ids, torch.Tensor) else list(patient_ids)
    groups = {}
    for v, p in zip(values.tolist(), ids):
        groups.setdefault(p, []).append(v)
    means = torch.tensor([sum(g) / len(g) for g in groups.values()], dtype=torch.float64)
    generator = torch.Generator().manual_seed(seed)
    draws = torch.randint(len(means), (n_boot, len(means)), generator=generator)
    q = torch.tensor([(1 - level) / 2, (1 + level) / 2], dtype=torch.float64)
    low, high = torch.quantile(means[draws].mean(1), q).tolist()
    return float(means.mean()), low, high
