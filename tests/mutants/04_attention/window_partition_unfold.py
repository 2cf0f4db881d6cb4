# replaces: window_partition
# must pass: Tensor.unfold along H and W instead of reshape
"""Correct: two unfolds cut the windows, one permute puts the channels last."""


def window_partition(x, window_size):
    C = x.shape[-1]
    ws = window_size
    t = x.unfold(1, ws, ws).unfold(2, ws, ws)  # (N, H/ws, W/ws, C, ws, ws)
    return t.permute(0, 1, 2, 4, 5, 3).reshape(-1, ws * ws, C)
