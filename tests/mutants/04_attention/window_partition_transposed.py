# replaces: window_partition
# feedback: column-major order
"""tokens inside each window in column-major order (a transposed window layout)."""


def window_partition(x, window_size):
    N, H, W, C = x.shape
    ws = window_size
    x = x.reshape(N, H // ws, ws, W // ws, ws, C)
    x = x.permute(0, 1, 3, 4, 2, 5)  # (N, H/ws, W/ws, ws_x, ws_y, C)
    return x.reshape(-1, ws * ws, C)
