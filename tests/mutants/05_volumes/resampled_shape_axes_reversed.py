# replaces: resampled_shape
# feedback: wrong axis order
"""reads the spacing as (x, y, z), the NIfTI header's order, against a (z, y, x) shape."""


def resampled_shape(shape, spacing, new_spacing):
    if isinstance(new_spacing, (int, float)):
        new_spacing = [new_spacing] * len(shape)
    return tuple(
        max(1, round(n * s / t)) for n, s, t in zip(shape, spacing[::-1], new_spacing)
    )
