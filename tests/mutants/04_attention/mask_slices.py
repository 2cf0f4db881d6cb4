# replaces: shifted_window_mask
# must pass: region labels painted with slices, as the original Swin code does
"""Correct: Swin's img_mask, three slices per axis and a counter, then partitioned."""


def shifted_window_mask(spatial, window_size, shift):
    H, W = spatial
    img = torch.zeros(1, H, W, 1)
    if shift > 0:
        parts = (slice(0, -window_size), slice(-window_size, -shift), slice(-shift, None))
        label = 0
        for hs in parts:
            for ws in parts:
                img[:, hs, ws, :] = label
                label += 1
    labels = window_partition(img, window_size)[..., 0]  # (nW, n)
    return (labels[:, None, :] - labels[:, :, None]) == 0
