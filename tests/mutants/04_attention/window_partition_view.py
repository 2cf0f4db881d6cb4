# replaces: window_partition
# must pass: view / transpose / contiguous, as timm writes it
"""Correct: view and transpose with an explicit contiguous copy (timm's style)."""


def window_partition(x, window_size):
    N, H, W, C = x.shape
    ws = window_size
    x = x.view(N, H // ws, ws, W // ws, ws, C).transpose(2, 3).contiguous()
    return x.view(N * (H // ws) * (W // ws), ws * ws, C)
