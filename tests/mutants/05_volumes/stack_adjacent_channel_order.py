# replaces: stack_adjacent
# feedback: the channels are in the wrong order
"""orders the channels neighbour-major (j * C + c), which only shows with several channels."""


def stack_adjacent(volume, k):
    N, C, D, H, W = volume.shape
    index = (torch.arange(D)[None, :] + torch.arange(-k, k + 1)[:, None]).clamp(0, D - 1)
    parts = [volume[:, :, index[j]] for j in range(2 * k + 1)]  # each (N, C, D, H, W)
    return torch.cat(parts, dim=1)
