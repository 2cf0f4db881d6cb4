# replaces: window_reverse
# must pass: view / transpose / contiguous
"""Correct: the view-based inverse (timm's style)."""


def window_reverse(windows, window_size, spatial):
    H, W = spatial
    ws = window_size
    C = windows.shape[-1]
    x = windows.contiguous().view(-1, H // ws, W // ws, ws, ws, C)
    return x.transpose(2, 3).contiguous().view(-1, H, W, C)
