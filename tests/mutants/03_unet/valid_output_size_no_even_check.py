# replaces: valid_output_size
# feedback: raise ValueError instead of rounding down
"""pools odd sizes by rounding down instead of rejecting the input."""


def valid_output_size(input_size, depth=5):
    size = input_size
    for level in range(depth):
        size -= 4
        if size < 1:
            raise ValueError("too small")
        if level < depth - 1:
            size //= 2
    for _ in range(depth - 1):
        size = 2 * size - 4
        if size < 1:
            raise ValueError("too small")
    return size
