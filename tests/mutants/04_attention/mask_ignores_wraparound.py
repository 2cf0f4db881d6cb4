# replaces: shifted_window_mask
# feedback: ignores the wrap-around
"""ignores the wrap-around: every pair of tokens in a window may attend."""
import torch


def shifted_window_mask(spatial, window_size, shift):
    H, W = spatial
    n_windows = (H // window_size) * (W // window_size)
    n = window_size * window_size
    return torch.ones(n_windows, n, n, dtype=torch.bool)
