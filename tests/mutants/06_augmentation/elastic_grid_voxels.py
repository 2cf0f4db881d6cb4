# replaces: elastic_grid
# feedback: your displacements are in pixels
"""treats the control-point displacements as pixels: forgets to divide the mm by the spacing."""

import torch
import torch.nn.functional as F


def elastic_grid(control_points, spacing, spatial_shape):
    H, W = spatial_shape
    d = F.interpolate(control_points.permute(2, 0, 1)[None], size=(H, W), mode="bicubic",
                      align_corners=True)[0]
    rows = torch.arange(H, dtype=control_points.dtype)[:, None] + d[0]
    cols = torch.arange(W, dtype=control_points.dtype)[None, :] + d[1]
    return torch.stack([2 * cols / (W - 1) - 1, 2 * rows / (H - 1) - 1], dim=-1)
