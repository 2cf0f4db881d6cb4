# replaces: resampled_shape
# feedback: the ratio is inverted
"""multiplies by the new spacing and divides by the old one."""


def resampled_shape(shape, spacing, new_spacing):
    if isinstance(new_spacing, (int, float)):
        new_spacing = [new_spacing] * len(shape)
    return tuple(max(1, round(n * t / s)) for n, s, t in zip(shape, spacing, new_spacing))
