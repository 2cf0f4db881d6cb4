# replaces: physical_receptive_field
# feedback: whole voxels
"""measures from the first to the last voxel centre, (r - 1) * spacing, not r footprints."""


def physical_receptive_field(size, spacing):
    if len(size) != len(spacing):
        raise ValueError("one value per axis")
    return tuple(float(r - 1) * float(s) for r, s in zip(size, spacing))
