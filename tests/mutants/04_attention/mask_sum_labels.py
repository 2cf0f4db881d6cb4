# replaces: shifted_window_mask
# feedback: share a label
"""adds the row and column bits, so 'wrapped down' and 'wrapped right' share a label."""
import torch


def shifted_window_mask(spatial, window_size, shift):
    H, W = spatial
    rows = (torch.arange(H) >= H - shift).long()
    cols = (torch.arange(W) >= W - shift).long()
    region = rows[:, None] + cols[None, :]
    labels = window_partition(region[None, :, :, None], window_size)[..., 0]
    return labels[:, :, None] == labels[:, None, :]
