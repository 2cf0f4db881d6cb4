# replaces: elastic_grid
# feedback: your spacing is applied to the wrong axes
"""divides d_y by the x spacing and d_x by the y spacing (visible tests use one spacing)."""

import torch
import torch.nn.functional as F


def elastic_grid(control_points, spacing, spatial_shape):
    H, W = spatial_shape
    sx, sy = spacing  # wrong: spacing is (s_y, s_x)
    d = F.interpolate(control_points.permute(2, 0, 1)[None], size=(H, W), mode="bicubic",
                      align_corners=True)[0]
    rows = torch.arange(H, dtype=control_points.dtype)[:, None] + d[0] / sy
    cols = torch.arange(W, dtype=control_points.dtype)[None, :] + d[1] / sx
    return torch.stack([2 * cols / (W - 1) - 1, 2 * rows / (H - 1) - 1], dim=-1)
