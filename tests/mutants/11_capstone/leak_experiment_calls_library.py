# replaces: leak_experiment
# feedback: your answer uses
"""the image-level split from medlearn.study.split_by_image instead of the student's own function."""

import torch
from medlearn.study import split_by_image


def leak_experiment(images, masks, patient_ids, seeds, fractions=(0.7, 0.3)):
    flat = images.flatten(1).double()

    def score(train, test):
        nearest = train[torch.cdist(flat[test], flat[train]).argmin(1)]
        pred, truth = masks[nearest], masks[test]
        return 2 * (pred & truth).sum().double() / (pred.sum() + truth.sum()).double()

    patient_level, image_level = [], []
    for seed in seeds:
        patient_level.append(score(*split_by_patient(patient_ids, fractions, seed=seed)))
        image_level.append(score(*split_by_image(len(images), fractions, seed=seed)))
    return torch.stack(patient_level), torch.stack(image_level)
