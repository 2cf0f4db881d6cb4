# replaces: window_reverse
# feedback: your answer uses
"""calls the library's implementation."""
from medlearn.attention import window_reverse as _lib_reverse


def window_reverse(windows, window_size, spatial):
    return _lib_reverse(windows, window_size, spatial)
