# replaces: leak_experiment
# feedback: the patient-level split first
"""returns (image_level, patient_level), the reverse of the order asked for."""

import torch


def leak_experiment(images, masks, patient_ids, seeds, fractions=(0.7, 0.3)):
    flat = images.flatten(1).double()

    def score(train, test):
        nearest = train[torch.cdist(flat[test], flat[train]).argmin(1)]
        pred, truth = masks[nearest], masks[test]
        return 2 * (pred & truth).sum().double() / (pred.sum() + truth.sum()).double()

    by_patient = [score(*split_by_patient(patient_ids, fractions, seed=s)) for s in seeds]
    by_image = [score(*split_by_patient(list(range(len(images))), fractions, seed=s)) for s in seeds]
    return torch.stack(by_image), torch.stack(by_patient)
