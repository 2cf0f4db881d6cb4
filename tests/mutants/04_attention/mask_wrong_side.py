# replaces: shifted_window_mask
# feedback: marked the first `shift` rows/columns as wrapped
"""marks the first `shift` rows and columns as wrapped instead of the last ones."""
import torch


def shifted_window_mask(spatial, window_size, shift):
    H, W = spatial
    rows = (torch.arange(H) < shift).long()
    cols = (torch.arange(W) < shift).long()
    region = 2 * rows[:, None] + cols[None, :]
    labels = window_partition(region[None, :, :, None], window_size)[..., 0]
    return labels[:, :, None] == labels[:, None, :]
