# replaces: valid_output_size
# feedback: n - k + 1
"""off-by-one in the valid-convolution size: n - k instead of n - k + 1 (removes 3 per conv)."""


def valid_output_size(input_size, depth=5):
    size = input_size
    for level in range(depth):
        size = size - 3 - 3
        if size < 1:
            raise ValueError("too small")
        if level < depth - 1:
            if size % 2:
                raise ValueError("odd size before pooling")
            size //= 2
    for _ in range(depth - 1):
        size = 2 * size - 3 - 3
        if size < 1:
            raise ValueError("too small")
    return size
