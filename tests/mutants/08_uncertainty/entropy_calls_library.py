# replaces: decompose_entropy
# feedback: your answer uses
"""calls the library's implementation."""

from medlearn.uncertainty import decompose_entropy as _library


def decompose_entropy(probs):
    return tuple(_library(probs))
