# replaces: leak_experiment
# must pass: squared distances in explicit loops, the pooled Dice from the student's site_dice
"""Correct: the nearest training scan found scan by scan, scored with site_dice's overall Dice."""

import torch


def leak_experiment(images, masks, patient_ids, seeds, fractions=(0.7, 0.3)):
    x = images.reshape(len(images), -1).to(torch.float64)

    def score(train, test):
        picks = []
        for i in test.tolist():
            d = ((x[train] - x[i]) ** 2).sum(1)
            picks.append(int(train[int(torch.argmin(d))]))
        _, overall = site_dice(masks[picks], masks[test], ["all"] * len(test))
        return overall

    out = torch.zeros(2, len(seeds), dtype=torch.float64)
    for k, seed in enumerate(seeds):
        out[0, k] = score(*split_by_patient(patient_ids, fractions, seed=seed))
        out[1, k] = score(*split_by_patient(list(range(len(images))), fractions, seed=seed))
    return out[0], out[1]
