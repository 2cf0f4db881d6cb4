# replaces: resampled_shape
# feedback: expected (1, 1, 1)
"""forgets the minimum of one voxel: a tiny volume at a coarse spacing gets 0 voxels."""


def resampled_shape(shape, spacing, new_spacing):
    if isinstance(new_spacing, (int, float)):
        new_spacing = [new_spacing] * len(shape)
    return tuple(round(n * s / t) for n, s, t in zip(shape, spacing, new_spacing))
