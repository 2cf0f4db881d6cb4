# replaces: resampled_shape
# feedback: rounded down
"""floors n * s / s' (TorchIO's rule) instead of rounding to the nearest integer."""
import math


def resampled_shape(shape, spacing, new_spacing):
    if isinstance(new_spacing, (int, float)):
        new_spacing = [new_spacing] * len(shape)
    return tuple(max(1, math.floor(n * s / t)) for n, s, t in zip(shape, spacing, new_spacing))
