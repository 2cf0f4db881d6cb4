# replaces: resampled_shape
# feedback: (n - 1) * s
"""keeps the extent from the first to the last voxel centre, (n - 1) * s (MONAI's rule)."""


def resampled_shape(shape, spacing, new_spacing):
    if isinstance(new_spacing, (int, float)):
        new_spacing = [new_spacing] * len(shape)
    return tuple(round((n - 1) * s / t) + 1 for n, s, t in zip(shape, spacing, new_spacing))
