# replaces: shifted_window_mask
# must pass: arithmetic on coordinates: two tokens may attend iff the roll did not separate them
"""Correct: compares each pair's displacement before and after the roll (no region labels)."""


def shifted_window_mask(spatial, window_size, shift):
    H, W = spatial
    ys, xs = torch.meshgrid(torch.arange(H), torch.arange(W), indexing="ij")
    came_from = torch.stack([ys, xs, (ys + shift) % H, (xs + shift) % W], dim=-1)
    c = window_partition(came_from[None], window_size)  # (nW, n, 4)
    d = c[:, :, None, :] - c[:, None, :, :]  # (nW, n, n, 4)
    # neighbours before the roll keep their displacement; a wrapped pair does not
    return (d[..., 0] == d[..., 2]) & (d[..., 1] == d[..., 3])
