# replaces: cross_slice_experiment
# feedback: divided by all voxels
"""divides the sphere voxels called tube by all voxels instead of by the sphere voxels."""


def cross_slice_experiment(images, labels, threshold=0.55, ks=(0, 1, 2)):
    rows = []
    for k in ks:
        tube = stack_adjacent(images, k).mean(dim=1) > threshold
        rows.append([(tube & (labels == 2)).sum().item() / labels.numel(),
                     (tube & (labels == 1)).sum().item() / (labels == 1).sum().item()])
    return torch.tensor(rows, dtype=torch.float64)
