# replaces: stack_adjacent
# feedback: onto the batch axis
"""puts the 2k + 1 shifted volumes on the batch axis: (N * (2k + 1), C, D, H, W)."""


def stack_adjacent(volume, k):
    N, C, D, H, W = volume.shape
    index = (torch.arange(D)[None, :] + torch.arange(-k, k + 1)[:, None]).clamp(0, D - 1)
    out = volume[:, :, index]  # (N, C, 2k + 1, D, H, W)
    return out.transpose(1, 2).reshape(N * (2 * k + 1), C, D, H, W)
