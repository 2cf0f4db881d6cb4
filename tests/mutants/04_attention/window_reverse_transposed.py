# replaces: window_reverse
# feedback: come out transposed
"""undoes the permutation with rows and columns swapped (a transposed layout)."""


def window_reverse(windows, window_size, spatial):
    H, W = spatial
    ws = window_size
    C = windows.shape[-1]
    x = windows.reshape(-1, H // ws, W // ws, ws, ws, C)
    x = x.permute(0, 1, 4, 2, 3, 5)  # tokens inside a window read column-major
    return x.reshape(-1, H, W, C)
