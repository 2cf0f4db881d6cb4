# replaces: split_by_patient
# feedback: expected a tuple of 2 splits
"""always returns train, validation and test, whatever the number of fractions."""

import torch


def split_by_patient(patient_ids, fractions=(0.7, 0.15, 0.15), stratify=None, seed=0):
    ids = patient_ids.tolist() if isinstance(patient_ids, torch.Tensor) else list(patient_ids)
    labels = [None] * len(ids) if stratify is None else list(stratify)
    rows_of, stratum_of = {}, {}
    for row, (patient, label) in enumerate(zip(ids, labels)):
        rows_of.setdefault(patient, []).append(row)
        stratum_of.setdefault(patient, label)
    generator = torch.Generator().manual_seed(seed)
    train, val, test = [], [], []
    for stratum in dict.fromkeys(stratum_of.values()):
        patients = [p for p in rows_of if stratum_of[p] == stratum]
        order = torch.randperm(len(patients), generator=generator).tolist()
        a = round(fractions[0] * len(patients))
        b = round((fractions[0] + fractions[1]) * len(patients))
        for k, i in enumerate(order):
            (train if k < a else val if k < b else test).extend(rows_of[patients[i]])
    return tuple(torch.tensor(sorted(s), dtype=torch.long) for s in (train, val, test))
