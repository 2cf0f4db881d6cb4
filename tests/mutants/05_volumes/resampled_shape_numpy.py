# replaces: resampled_shape
# must pass: numpy arrays and np.rint (also ties to even), then back to ints
"""Correct: vectorised with numpy."""
import numpy as np


def resampled_shape(shape, spacing, new_spacing):
    n = np.asarray(shape, dtype=np.float64)
    s = np.asarray(spacing, dtype=np.float64)
    t = np.broadcast_to(np.asarray(new_spacing, dtype=np.float64), n.shape)
    return tuple(int(v) for v in np.maximum(1, np.rint(n * s / t)))
