# replaces: window_reverse
# must pass: writes each window into its place with a loop
"""Correct: a loop over the windows, each copied into its slice of a new grid."""


def window_reverse(windows, window_size, spatial):
    H, W = spatial
    ws = window_size
    C = windows.shape[-1]
    per_image = (H // ws) * (W // ws)
    out = windows.new_zeros(windows.shape[0] // per_image, H, W, C)
    for i in range(windows.shape[0]):
        n, w = divmod(i, per_image)
        gy, gx = divmod(w, W // ws)
        out[n, gy * ws:(gy + 1) * ws, gx * ws:(gx + 1) * ws] = windows[i].reshape(ws, ws, C)
    return out
