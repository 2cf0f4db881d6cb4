# replaces: resample_labels
# feedback: nearest voxel
"""takes the label of the nearest old voxel (nearest-neighbour) instead of one-hot, linear, argmax."""


def resample_labels(labels, spacing, new_spacing):
    shape = resampled_shape(tuple(labels.shape), spacing, new_spacing)
    if isinstance(new_spacing, (int, float)):
        new_spacing = [new_spacing] * labels.ndim
    x = labels.long()
    for axis, (n, s, t, m) in enumerate(zip(labels.shape, spacing, new_spacing, shape)):
        i = torch.arange(m, dtype=torch.float64)
        c = ((n - 1) / 2 + (i - (m - 1) / 2) * (t / s)).clamp(0, n - 1)
        x = x.index_select(axis, torch.floor(c + 0.5).long().clamp(0, n - 1))
    return x
