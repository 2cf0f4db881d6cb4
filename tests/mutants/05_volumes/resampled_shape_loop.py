# replaces: resampled_shape
# must pass: an explicit loop, the scalar recognised by try/len, s / t * n order
"""Correct: a loop that accepts one number or a sequence."""


def resampled_shape(shape, spacing, new_spacing):
    try:
        targets = list(new_spacing)
    except TypeError:
        targets = [new_spacing] * len(shape)
    out = []
    for n, s, t in zip(shape, spacing, targets):
        out.append(max(1, round(s / t * n)))
    return tuple(out)
