# replaces: physical_receptive_field
# feedback: spacing axes are swapped
"""swaps the spacing axes: reads the spacing as (x, y, z) while the sizes are (z, y, x)."""


def physical_receptive_field(size, spacing):
    if len(size) != len(spacing):
        raise ValueError("one value per axis")
    return tuple(float(r) * float(s) for r, s in zip(size, spacing[::-1]))
