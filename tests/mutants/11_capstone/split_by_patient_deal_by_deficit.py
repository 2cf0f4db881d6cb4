# replaces: split_by_patient
# must pass: patients sorted by stratum (shuffled within), each dealt to the split furthest below its share
"""Correct: one pass over all patients, ordered stratum by stratum, largest deficit first."""

import torch


def split_by_patient(patient_ids, fractions=(0.7, 0.15, 0.15), stratify=None, seed=0):
    keys = [p.item() if isinstance(p, torch.Tensor) else p for p in patient_ids]
    strata = [0] * len(keys) if stratify is None else list(stratify)
    first = {}
    for row, k in enumerate(keys):
        first.setdefault(k, row)
    patients = list(first)
    names = list(dict.fromkeys(strata[first[p]] for p in patients))
    stratum = torch.tensor([names.index(strata[first[p]]) for p in patients])
    shuffled = torch.randperm(len(patients), generator=torch.Generator().manual_seed(seed))
    order = shuffled[torch.argsort(stratum[shuffled], stable=True)]
    f = torch.tensor(fractions, dtype=torch.float64)
    given = torch.zeros(len(fractions), dtype=torch.float64)
    split_of = {}
    for i, p in enumerate(order.tolist()):
        j = int(torch.argmax(f * (i + 1) - given))
        split_of[patients[p]] = j
        given[j] += 1
    label = torch.tensor([split_of[k] for k in keys])
    return tuple(torch.nonzero(label == j).flatten() for j in range(len(fractions)))
