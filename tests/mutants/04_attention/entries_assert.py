# replaces: score_entries
# feedback: not an assert
"""checks its arguments with assert instead of raising ValueError."""


def score_entries(image_size, patch_size, window_size=None):
    H, W = image_size
    assert H > 0 and W > 0 and patch_size > 0, "sizes must be positive"
    assert patch_size <= min(H, W), "the patch is larger than the image"
    rows, cols = H // patch_size, W // patch_size
    if window_size is None:
        return (rows * cols) ** 2
    assert window_size > 0, "window_size must be positive"
    windows = -(-rows // window_size) * -(-cols // window_size)
    return windows * window_size**4
