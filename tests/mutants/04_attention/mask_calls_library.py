# replaces: shifted_window_mask
# feedback: your answer uses
"""calls the library's implementation."""
from medlearn.attention import shifted_window_mask as _lib_mask


def shifted_window_mask(spatial, window_size, shift):
    return _lib_mask(spatial, window_size, shift)
