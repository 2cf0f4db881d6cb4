# replaces: elastic_grid
# feedback: your grid holds pixel positions
"""returns pixel positions, not normalised to grid_sample's [-1, 1]."""

import torch
import torch.nn.functional as F


def elastic_grid(control_points, spacing, spatial_shape):
    H, W = spatial_shape
    d = F.interpolate(control_points.permute(2, 0, 1)[None], size=(H, W), mode="bicubic",
                      align_corners=True)[0]
    rows = torch.arange(H, dtype=control_points.dtype)[:, None] + d[0] / spacing[0]
    cols = torch.arange(W, dtype=control_points.dtype)[None, :] + d[1] / spacing[1]
    rows, cols = torch.broadcast_tensors(rows, cols)
    return torch.stack([cols, rows], dim=-1)
