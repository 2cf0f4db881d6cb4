# replaces: resampled_shape
# feedback: ties round half up
"""rounds ties up with floor(x + 0.5), where Python's round goes to the even neighbour."""
import math


def resampled_shape(shape, spacing, new_spacing):
    if isinstance(new_spacing, (int, float)):
        new_spacing = [new_spacing] * len(shape)
    return tuple(
        max(1, math.floor(n * s / t + 0.5)) for n, s, t in zip(shape, spacing, new_spacing)
    )
