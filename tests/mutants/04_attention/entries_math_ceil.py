# replaces: score_entries
# must pass: math.ceil and math.prod, the checks in a helper
"""Correct: whole patches with divmod, windows padded with math.ceil, a validating helper."""
import math


def _positive(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def score_entries(image_size, patch_size, window_size=None):
    sides = [_positive("image_size", s) for s in image_size]
    p = _positive("patch_size", patch_size)
    if any(s < p for s in sides):
        raise ValueError(f"patch_size={p} does not fit in image_size={tuple(image_size)}")
    grid = [divmod(s, p)[0] for s in sides]
    if window_size is None:
        return math.prod(grid) ** 2
    m = _positive("window_size", window_size)
    return math.prod(math.ceil(t / m) for t in grid) * (m * m) ** 2
