# replaces: physical_receptive_field
# must pass: numpy's element-wise product in float64, converted back to a tuple of floats
"""Correct: np.multiply of the two tuples, then tuple(map(float, ...))."""

import numpy as np


def physical_receptive_field(size, spacing):
    if np.shape(size) != np.shape(spacing):
        raise ValueError(f"size {size} and spacing {spacing} need the same number of axes")
    return tuple(map(float, np.multiply(size, spacing, dtype=np.float64)))
