# replaces: mmd2_unbiased
# feedback: your answer uses
"""calls the library's implementation."""

from medlearn.shift import mmd2_unbiased as _library


def mmd2_unbiased(x, y, sigma):
    return _library(x, y, sigma)
