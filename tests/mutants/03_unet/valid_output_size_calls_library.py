# replaces: valid_output_size
# feedback: your answer uses
"""delegates to the library's own implementation."""

from medlearn.unet import valid_output_size as _size


def valid_output_size(input_size, depth=5):
    return _size(input_size, depth)
