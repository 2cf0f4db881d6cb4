# replaces: elastic_grid
# feedback: you normalised for align_corners=False
"""normalises pixel centres as align_corners=False does, (2 p + 1) / n - 1."""

import torch
import torch.nn.functional as F


def elastic_grid(control_points, spacing, spatial_shape):
    H, W = spatial_shape
    d = F.interpolate(control_points.permute(2, 0, 1)[None], size=(H, W), mode="bicubic",
                      align_corners=True)[0]
    rows = torch.arange(H, dtype=control_points.dtype)[:, None] + d[0] / spacing[0]
    cols = torch.arange(W, dtype=control_points.dtype)[None, :] + d[1] / spacing[1]
    return torch.stack([(2 * cols + 1) / W - 1, (2 * rows + 1) / H - 1], dim=-1)
