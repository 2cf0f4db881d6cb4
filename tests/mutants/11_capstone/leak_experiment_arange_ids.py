# replaces: leak_experiment
# must pass: the image-level ids as torch.arange(N), the test Dice from TP, FP and FN
"""Correct: every scan its own patient through a tensor of ids; Dice = 2TP / (2TP + FP + FN)."""

import torch


def leak_experiment(images, masks, patient_ids, seeds, fractions=(0.7, 0.3)):
    flat = images.flatten(1).double()

    def score(train, test):
        nearest = train[torch.cdist(flat[test], flat[train]).argmin(dim=1)]
        p, t = masks[nearest], masks[test]
        tp, fp, fn = (p & t).sum(), (p & ~t).sum(), (~p & t).sum()
        return (2 * tp / (2 * tp + fp + fn)).double()

    res = [[], []]
    for seed in seeds:
        res[0].append(score(*split_by_patient(patient_ids, fractions, seed=seed)))
        res[1].append(score(*split_by_patient(torch.arange(len(images)), fractions, seed=seed)))
    return torch.stack(res[0]), torch.stack(res[1])
