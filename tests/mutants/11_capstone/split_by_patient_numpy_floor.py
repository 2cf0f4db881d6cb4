# replaces: split_by_patient
# must pass: numpy's generator, floor of each share per stratum with the remainder to the last split
"""Correct: np.random.default_rng(seed) per stratum, int(f * n) patients per split, the rest last."""

import numpy as np
import torch


def split_by_patient(patient_ids, fractions=(0.7, 0.15, 0.15), stratify=None, seed=0):
    ids = np.asarray(patient_ids.tolist() if isinstance(patient_ids, torch.Tensor) else list(patient_ids))
    labels = np.asarray(["-"] * len(ids) if stratify is None else [str(s) for s in stratify])
    rng = np.random.default_rng(seed)
    split_rows = [[] for _ in fractions]
    for stratum in np.unique(labels):
        patients = np.unique(ids[labels == stratum])
        patients = patients[rng.permutation(len(patients))]
        sizes = [int(f * len(patients)) for f in fractions[:-1]]
        sizes.append(len(patients) - sum(sizes))
        start = 0
        for j, size in enumerate(sizes):
            chosen = patients[start:start + size]
            split_rows[j].extend(np.flatnonzero(np.isin(ids, chosen)).tolist())
            start += size
    return tuple(torch.tensor(sorted(r), dtype=torch.int64) for r in split_rows)
