# replaces: cross_slice_experiment
# feedback: fall several-fold
"""takes the maximum over the stack: bright in any neighbouring slice counts as tube."""


def cross_slice_experiment(images, labels, threshold=0.55, ks=(0, 1, 2)):
    rows = []
    for k in ks:
        tube = stack_adjacent(images, k).amax(dim=1) > threshold
        spheres, tubes = labels == 2, labels == 1
        rows.append([(tube & spheres).sum().item() / spheres.sum().item(),
                     (tube & tubes).sum().item() / tubes.sum().item()])
    return torch.tensor(rows, dtype=torch.float64)
