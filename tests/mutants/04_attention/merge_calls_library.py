# replaces: merge_neighbours
# feedback: your answer uses
"""calls the library's implementation."""
from medlearn.attention import merge_neighbours as _lib_merge


def merge_neighbours(x):
    return _lib_merge(x)
