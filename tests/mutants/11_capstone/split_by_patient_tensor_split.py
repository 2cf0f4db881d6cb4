# replaces: split_by_patient
# must pass: patient codes as a tensor, randperm per stratum, torch.tensor_split at rounded cumulative cuts
"""Correct: split labels per patient from tensor_split, then rows selected with a boolean mask."""

import torch


def split_by_patient(patient_ids, fractions=(0.7, 0.15, 0.15), stratify=None, seed=0):
    raw = patient_ids.tolist() if isinstance(patient_ids, torch.Tensor) else list(patient_ids)
    codes = {}
    patient = torch.tensor([codes.setdefault(p, len(codes)) for p in raw])
    labels = list(stratify) if stratify is not None else [0] * len(raw)
    stratum_codes = {}
    row_stratum = torch.tensor([stratum_codes.setdefault(s, len(stratum_codes)) for s in labels])
    patient_stratum = torch.zeros(len(codes), dtype=torch.long)
    patient_stratum[patient] = row_stratum
    g = torch.Generator().manual_seed(seed)
    split_of = torch.empty(len(codes), dtype=torch.long)
    cum = torch.tensor(fractions, dtype=torch.float64).cumsum(0)[:-1]
    for s in range(len(stratum_codes)):
        members = torch.nonzero(patient_stratum == s).flatten()
        members = members[torch.randperm(len(members), generator=g)]
        cuts = torch.round(cum * len(members)).long().tolist()
        for j, part in enumerate(torch.tensor_split(members, cuts)):
            split_of[part] = j
    row_split = split_of[patient]
    return tuple(torch.nonzero(row_split == j).flatten() for j in range(len(fractions)))
