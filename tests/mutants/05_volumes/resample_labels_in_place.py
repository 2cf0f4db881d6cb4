# replaces: resample_labels
# feedback: changed its input labels
"""shifts the caller's label map in place (labels -= labels.min()) before one-hot encoding."""


def resample_labels(labels, spacing, new_spacing):
    shape = resampled_shape(tuple(labels.shape), spacing, new_spacing)
    if isinstance(new_spacing, (int, float)):
        new_spacing = [new_spacing] * labels.ndim
    low = int(labels.min())
    labels -= low
    labels += 1  # reserve 0 for "nothing", then undo below
    x = F.one_hot(labels.long()).double()[..., 1:]
    for axis, (n, s, t, m) in enumerate(zip(labels.shape, spacing, new_spacing, shape)):
        i = torch.arange(m, dtype=torch.float64)
        c = ((n - 1) / 2 + (i - (m - 1) / 2) * (t / s)).clamp(0, n - 1)
        lo = c.floor()
        f = (c - lo).view([-1 if a == axis else 1 for a in range(4)])
        lo = lo.long()
        hi = (lo + 1).clamp(max=n - 1)
        x = x.index_select(axis, lo) * (1 - f) + x.index_select(axis, hi) * f
    return x.argmax(dim=-1) + low
