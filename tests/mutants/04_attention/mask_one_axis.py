# replaces: shifted_window_mask
# feedback: along only one axis
"""labels only the rows that wrapped, not the columns."""
import torch


def shifted_window_mask(spatial, window_size, shift):
    H, W = spatial
    rows = (torch.arange(H) >= H - shift).long()
    region = rows[:, None].expand(H, W)
    labels = window_partition(region[None, :, :, None].contiguous(), window_size)[..., 0]
    return labels[:, :, None] == labels[:, None, :]
