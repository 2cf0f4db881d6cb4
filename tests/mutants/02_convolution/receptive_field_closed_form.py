# replaces: receptive_field
# must pass: closed form with products of the earlier strides instead of a running jump
"""Correct: r = 1 + sum_l (k'_l - 1) prod_{m<l} s_m, P = sum_l p_l prod_{m<l} s_m."""

import math


def receptive_field(layers):
    layers = list(layers)
    strides = [s for _, s, _, _ in layers]
    jumps = [math.prod(strides[:i]) for i in range(len(layers))]
    size = 1 + sum(d * (k - 1) * j for (k, _, _, d), j in zip(layers, jumps))
    padding = sum(p * j for (_, _, p, _), j in zip(layers, jumps))
    return size, math.prod(strides), padding
