# replaces: stack_adjacent
# feedback: you stacked zeros
"""pads with zero slices beyond the edges instead of repeating the edge slice."""


def stack_adjacent(volume, k):
    N, C, D, H, W = volume.shape
    padded = F.pad(volume, (0, 0, 0, 0, k, k))  # zeros before and after the slices
    out = torch.stack([padded[:, :, j : j + D] for j in range(2 * k + 1)], dim=2)
    return out.reshape(N, C * (2 * k + 1), D, H, W)
