# replaces: split_by_patient
# feedback: with a generator seeded by `seed`
"""the shuffle's generator is seeded with a constant: every seed gives the same split."""

import torch


def split_by_patient(patient_ids, fractions=(0.7, 0.15, 0.15), stratify=None, seed=0):
    ids = patient_ids.tolist() if isinstance(patient_ids, torch.Tensor) else list(patient_ids)
    labels = [None] * len(ids) if stratify is None else list(stratify)
    rows_of, stratum_of = {}, {}
    for row, (patient, label) in enumerate(zip(ids, labels)):
        rows_of.setdefault(patient, []).append(row)
        stratum_of.setdefault(patient, label)
    cumulative = torch.tensor(fractions, dtype=torch.float64).cumsum(0)
    generator = torch.Generator().manual_seed(42)
    splits = [[] for _ in fractions]
    for stratum in dict.fromkeys(stratum_of.values()):
        patients = [p for p in rows_of if stratum_of[p] == stratum]
        order = torch.randperm(len(patients), generator=generator).tolist()
        cuts = [0] + [round(float(c) * len(patients)) for c in cumulative]
        for j in range(len(fractions)):
            for i in order[cuts[j]:cuts[j + 1]]:
                splits[j] += rows_of[patients[i]]
    return tuple(torch.tensor(sorted(rows), dtype=torch.long) for rows in splits)
