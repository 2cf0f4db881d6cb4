# replaces: window_partition
# feedback: your answer uses
"""calls the library's implementation."""
from medlearn.attention import window_partition as _lib_partition


def window_partition(x, window_size):
    return _lib_partition(x, window_size)
