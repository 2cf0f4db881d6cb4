# replaces: valid_output_size
# feedback: the decoder also applies two 3x3 convolutions
"""forgets the two valid convolutions after each up-convolution in the decoder."""


def valid_output_size(input_size, depth=5):
    size = input_size
    for level in range(depth):
        size -= 4
        if size < 1:
            raise ValueError("too small")
        if level < depth - 1:
            if size % 2:
                raise ValueError("odd size before pooling")
            size //= 2
    for _ in range(depth - 1):
        size = 2 * size
    return size
