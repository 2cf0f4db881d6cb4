# replaces: split_by_patient
# feedback: Mistake: an image-level split
"""the leak itself: rows (scans) are shuffled and dealt out, so follow-ups land in two splits."""

import torch


def split_by_patient(patient_ids, fractions=(0.7, 0.15, 0.15), stratify=None, seed=0):
    n = len(patient_ids)
    labels = [None] * n if stratify is None else list(stratify)
    cumulative = torch.tensor(fractions, dtype=torch.float64).cumsum(0)
    generator = torch.Generator().manual_seed(seed)
    splits = [[] for _ in fractions]
    for stratum in dict.fromkeys(labels):
        rows = [r for r in range(n) if labels[r] == stratum]
        order = torch.randperm(len(rows), generator=generator).tolist()
        cuts = [0] + [round(float(c) * len(rows)) for c in cumulative]
        for j in range(len(fractions)):
            splits[j] += [rows[i] for i in order[cuts[j]:cuts[j + 1]]]
    return tuple(torch.tensor(sorted(s), dtype=torch.long) for s in splits)
