# replaces: resample_labels
# must pass: F.grid_sample (trilinear, align_corners=True, border padding) on the one-hot maps
"""Correct: the new centres as a sampling grid for grid_sample, in float64."""


def resample_labels(labels, spacing, new_spacing):
    shape = resampled_shape(tuple(labels.shape), spacing, new_spacing)
    if isinstance(new_spacing, (int, float)):
        new_spacing = [new_spacing] * labels.ndim
    maps = F.one_hot(labels.long()).double().permute(3, 0, 1, 2)[None]  # (1, L, D, H, W)
    axes = []
    for n, s, t, m in zip(labels.shape, spacing, new_spacing, shape):
        i = torch.arange(m, dtype=torch.float64)
        c = (n - 1) / 2 + (i - (m - 1) / 2) * (t / s)
        axes.append(c / (n - 1) * 2 - 1 if n > 1 else torch.zeros_like(c))
    zz, yy, xx = torch.meshgrid(*axes, indexing="ij")
    grid = torch.stack([xx, yy, zz], dim=-1)[None]  # grid_sample wants (x, y, z) last
    out = F.grid_sample(maps, grid, mode="bilinear", padding_mode="border", align_corners=True)
    return out[0].argmax(dim=0)
