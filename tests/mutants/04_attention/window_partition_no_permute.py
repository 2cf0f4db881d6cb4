# replaces: window_partition
# feedback: a reshape alone does not gather a window
"""reshapes without permuting: a "window" is a run of consecutive tokens of one row."""


def window_partition(x, window_size):
    N, H, W, C = x.shape
    return x.reshape(-1, window_size * window_size, C)
