# replaces: stack_adjacent
# must pass: replicate padding with F.pad, then Tensor.unfold over the depth axis
"""Correct: pad by repeating the edge slices, then windows of 2k + 1 slices."""


def stack_adjacent(volume, k):
    N, C, D, H, W = volume.shape
    x = F.pad(volume, (0, 0, 0, 0, k, k), mode="replicate") if k else volume
    windows = x.unfold(2, 2 * k + 1, 1)  # (N, C, D, H, W, 2k + 1)
    windows = windows.permute(0, 1, 5, 2, 3, 4)  # (N, C, 2k + 1, D, H, W)
    return windows.reshape(N, C * (2 * k + 1), D, H, W)
