# replaces: shifted_window_mask
# feedback: do not assume a square grid
"""uses the height for both axes (the visible tests use a square grid)."""


def shifted_window_mask(spatial, window_size, shift):
    H = W = spatial[0]
    rows = (torch.arange(H) >= H - shift).long()
    cols = (torch.arange(W) >= W - shift).long()
    region = 2 * rows[:, None] + cols[None, :]
    labels = window_partition(region[None, :, :, None], window_size)[..., 0]
    return labels[:, :, None] == labels[:, None, :]
