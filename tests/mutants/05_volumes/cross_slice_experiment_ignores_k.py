# replaces: cross_slice_experiment
# feedback: fall several-fold
"""scores the centre slice only, whatever k: the 2.5D model is still a 2D model."""


def cross_slice_experiment(images, labels, threshold=0.55, ks=(0, 1, 2)):
    rows = []
    for k in ks:
        stack = stack_adjacent(images, k)
        tube = stack[:, k] > threshold  # the centre channel: the slice itself
        spheres, tubes = labels == 2, labels == 1
        rows.append([(tube & spheres).sum().item() / spheres.sum().item(),
                     (tube & tubes).sum().item() / tubes.sum().item()])
    return torch.tensor(rows, dtype=torch.float64)
