# replaces: score_entries
# must pass: pads the token counts up in a loop, counts windows times (M^2)^2
"""Correct: pads each axis's token count up to a multiple of M, step by step."""


def score_entries(image_size, patch_size, window_size=None):
    if type(patch_size) is not int or patch_size < 1:
        raise ValueError(f"patch_size: expected a positive int, got {patch_size!r}")
    if window_size is not None and (type(window_size) is not int or window_size < 1):
        raise ValueError(f"window_size: expected a positive int or None, got {window_size!r}")
    tokens = []
    for side in image_size:
        if type(side) is not int or side < 1:
            raise ValueError(f"image_size: expected positive ints, got {image_size!r}")
        if side < patch_size:
            raise ValueError(f"patch_size {patch_size} is larger than image_size {image_size}")
        tokens.append(side // patch_size)
    n = tokens[0] * tokens[1]
    if window_size is None:
        return n * n
    padded = []
    for t in tokens:
        while t % window_size:
            t += 1
        padded.append(t)
    windows = (padded[0] // window_size) * (padded[1] // window_size)
    per_window = window_size * window_size
    return windows * per_window * per_window
