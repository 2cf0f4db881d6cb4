# replaces: conv2d
# must pass: einsum over each window, computed in float64 and returned in the input's dtype
"""Correct: the same loop, with torch.einsum for the sum and float64 arithmetic inside."""

import torch
import torch.nn.functional as F


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = weight.shape
    H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1
    W_out = (W + 2 * padding - dilation * (kW - 1) - 1) // stride + 1
    xp = F.pad(x.double(), (padding, padding, padding, padding))
    w = weight.double()
    out = torch.empty(B, C_out, H_out, W_out, dtype=torch.float64)
    for i in range(H_out):
        for j in range(W_out):
            r0, c0 = i * stride, j * stride
            window = xp[:, :, r0 : r0 + dilation * (kH - 1) + 1 : dilation,
                        c0 : c0 + dilation * (kW - 1) + 1 : dilation]
            out[:, :, i, j] = torch.einsum("bcuv,ocuv->bo", window, w)
    if bias is not None:
        out += bias.double()[None, :, None, None]
    return out.to(x.dtype)
