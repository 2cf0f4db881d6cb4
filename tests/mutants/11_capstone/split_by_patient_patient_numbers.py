# replaces: split_by_patient
# feedback: not patient numbers
"""returns the numbers of the patients in each split instead of their rows."""

import torch


def split_by_patient(patient_ids, fractions=(0.7, 0.15, 0.15), stratify=None, seed=0):
    ids = patient_ids.tolist() if isinstance(patient_ids, torch.Tensor) else list(patient_ids)
    labels = [None] * len(ids) if stratify is None else list(stratify)
    code, stratum_of = {}, {}
    for patient, label in zip(ids, labels):
        code.setdefault(patient, len(code))
        stratum_of.setdefault(patient, label)
    cumulative = torch.tensor(fractions, dtype=torch.float64).cumsum(0)
    generator = torch.Generator().manual_seed(seed)
    splits = [[] for _ in fractions]
    for stratum in dict.fromkeys(stratum_of.values()):
        patients = [p for p in code if stratum_of[p] == stratum]
        order = torch.randperm(len(patients), generator=generator).tolist()
        cuts = [0] + [round(float(c) * len(patients)) for c in cumulative]
        for j in range(len(fractions)):
            splits[j] += [code[patients[i]] for i in order[cuts[j]:cuts[j + 1]]]
    return tuple(torch.tensor(sorted(s), dtype=torch.long) for s in splits)
