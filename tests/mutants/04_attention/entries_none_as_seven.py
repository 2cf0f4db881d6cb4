# replaces: score_entries
# feedback: with window_size=None (the default) attention is global
"""treats the default window_size=None as Swin's 7 x 7 windows."""


def score_entries(image_size, patch_size, window_size=None):
    H, W = image_size
    for name, value in (("image_size", H), ("image_size", W), ("patch_size", patch_size)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must hold positive ints, got {value!r}")
    if patch_size > min(H, W):
        raise ValueError(f"patch_size {patch_size} is larger than the image {image_size}")
    rows, cols = H // patch_size, W // patch_size
    window_size = window_size or 7  # Swin's default
    windows = -(-rows // window_size) * -(-cols // window_size)
    return windows * window_size**4
