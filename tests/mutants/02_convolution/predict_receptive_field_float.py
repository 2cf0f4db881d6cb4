# replaces: predict_receptive_field
# feedback: expected an exact int
"""the geometric series in floats: math.pow and / give a float, inexact at depth 60."""

import math


def predict_receptive_field(depth, kernel_size=3, downsample=False):
    if downsample:
        return 1 + kernel_size * (math.pow(2, depth) - 1) / (2 - 1)
    return 1 + depth * (kernel_size - 1)
