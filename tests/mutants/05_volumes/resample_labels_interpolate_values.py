# replaces: resample_labels
# feedback: invents labels
"""interpolates the label values linearly and rounds: halfway between 0 and 2 it writes 1."""


def resample_labels(labels, spacing, new_spacing):
    shape = resampled_shape(tuple(labels.shape), spacing, new_spacing)
    if isinstance(new_spacing, (int, float)):
        new_spacing = [new_spacing] * labels.ndim
    x = labels.double()
    for axis, (n, s, t, m) in enumerate(zip(labels.shape, spacing, new_spacing, shape)):
        i = torch.arange(m, dtype=torch.float64)
        c = ((n - 1) / 2 + (i - (m - 1) / 2) * (t / s)).clamp(0, n - 1)
        lo = c.floor()
        f = (c - lo).view([-1 if a == axis else 1 for a in range(3)])
        lo = lo.long()
        hi = (lo + 1).clamp(max=n - 1)
        x = x.index_select(axis, lo) * (1 - f) + x.index_select(axis, hi) * f
    return x.round().long()
