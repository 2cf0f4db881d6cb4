# replaces: resample_labels
# feedback: starts at the first voxel centre
"""keeps the first voxel centre where it was (c_i = i s'/s) instead of the volume's centre."""


def resample_labels(labels, spacing, new_spacing):
    shape = resampled_shape(tuple(labels.shape), spacing, new_spacing)
    if isinstance(new_spacing, (int, float)):
        new_spacing = [new_spacing] * labels.ndim
    x = F.one_hot(labels.long()).double()
    for axis, (n, s, t, m) in enumerate(zip(labels.shape, spacing, new_spacing, shape)):
        c = (torch.arange(m, dtype=torch.float64) * (t / s)).clamp(0, n - 1)
        lo = c.floor()
        f = (c - lo).view([-1 if a == axis else 1 for a in range(4)])
        lo = lo.long()
        hi = (lo + 1).clamp(max=n - 1)
        x = x.index_select(axis, lo) * (1 - f) + x.index_select(axis, hi) * f
    return x.argmax(dim=-1)
