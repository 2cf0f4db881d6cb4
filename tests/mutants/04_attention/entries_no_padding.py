# replaces: score_entries
# feedback: dropped the tokens that do not fill a whole window
"""counts whole windows only (floor), forgetting Swin's padding."""


def score_entries(image_size, patch_size, window_size=None):
    H, W = image_size
    for name, value in (("image_size", H), ("image_size", W), ("patch_size", patch_size)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must hold positive ints, got {value!r}")
    if patch_size > min(H, W):
        raise ValueError(f"patch_size {patch_size} is larger than the image {image_size}")
    rows, cols = H // patch_size, W // patch_size
    if window_size is None:
        return (rows * cols) ** 2
    if not isinstance(window_size, int) or window_size < 1:
        raise ValueError(f"window_size must be a positive int or None, got {window_size!r}")
    windows = (rows // window_size) * (cols // window_size)
    return windows * window_size**4
