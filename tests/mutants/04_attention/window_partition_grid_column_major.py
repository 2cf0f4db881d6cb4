# replaces: window_partition
# feedback: ordered column by column over the grid
"""orders the windows column by column over the window grid."""


def window_partition(x, window_size):
    N, H, W, C = x.shape
    ws = window_size
    x = x.reshape(N, H // ws, ws, W // ws, ws, C)
    x = x.permute(0, 3, 1, 2, 4, 5)  # (N, W/ws, H/ws, ws, ws, C)
    return x.reshape(-1, ws * ws, C)
