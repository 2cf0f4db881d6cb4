# replaces: split_by_patient
# feedback: stratify by site
"""patients are split as one pool: the argument `stratify` is accepted and ignored."""

import torch


def split_by_patient(patient_ids, fractions=(0.7, 0.15, 0.15), stratify=None, seed=0):
    ids = patient_ids.tolist() if isinstance(patient_ids, torch.Tensor) else list(patient_ids)
    rows_of = {}
    for row, patient in enumerate(ids):
        rows_of.setdefault(patient, []).append(row)
    patients = list(rows_of)
    cumulative = torch.tensor(fractions, dtype=torch.float64).cumsum(0)
    order = torch.randperm(len(patients), generator=torch.Generator().manual_seed(seed)).tolist()
    cuts = [0] + [round(float(c) * len(patients)) for c in cumulative]
    splits = []
    for j in range(len(fractions)):
        rows = [r for i in order[cuts[j]:cuts[j + 1]] for r in rows_of[patients[i]]]
        splits.append(torch.tensor(sorted(rows), dtype=torch.long))
    return tuple(splits)
