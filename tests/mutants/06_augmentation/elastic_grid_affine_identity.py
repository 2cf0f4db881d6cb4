# replaces: elastic_grid
# must pass: the identity grid from F.affine_grid, plus the displacement converted to grid units
"""Correct: identity from F.affine_grid(align_corners=True), displacement scaled by 2 / ((n - 1) s)."""

import torch
import torch.nn.functional as F


def elastic_grid(control_points, spacing, spatial_shape):
    H, W = spatial_shape
    theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=control_points.dtype)
    identity = F.affine_grid(theta, (1, 1, H, W), align_corners=True)[0]  # (H, W, 2), (x, y)
    d = F.interpolate(control_points.permute(2, 0, 1)[None], size=(H, W), mode="bicubic",
                      align_corners=True)[0]  # (2, H, W): (d_y, d_x) in mm
    dx = d[1] / spacing[1] * 2 / (W - 1)
    dy = d[0] / spacing[0] * 2 / (H - 1)
    return identity + torch.stack([dx, dy], dim=-1)
