# replaces: window_reverse
# feedback: you only reshaped back
"""only reshapes back: the windows' tokens land in the wrong places."""


def window_reverse(windows, window_size, spatial):
    H, W = spatial
    return windows.reshape(-1, H, W, windows.shape[-1])
