# replaces: conv2d
# must pass: no Python loop: every window at once through as_strided, then one einsum
"""Correct: a strided view of all windows (B, C, H_out, W_out, kH, kW) and one einsum."""

import torch
import torch.nn.functional as F


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = weight.shape
    H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1
    W_out = (W + 2 * padding - dilation * (kW - 1) - 1) // stride + 1
    xp = F.pad(x, (padding,) * 4).contiguous()
    sb, sc, sh, sw = xp.stride()
    windows = xp.as_strided(
        (B, C_in, H_out, W_out, kH, kW),
        (sb, sc, sh * stride, sw * stride, sh * dilation, sw * dilation),
    )
    out = torch.einsum("bchwuv,ocuv->bohw", windows, weight)
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out
