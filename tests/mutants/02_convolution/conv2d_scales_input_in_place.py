# replaces: conv2d
# feedback: changed the caller's input x in place
"""scales the caller's input in place (x.mul_) to 'normalise' it before convolving."""

import torch
import torch.nn.functional as F


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = weight.shape
    H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1
    W_out = (W + 2 * padding - dilation * (kW - 1) - 1) // stride + 1
    scale = x.abs().max()
    x.div_(scale)  # work on values in [-1, 1]; undone on the output
    xp = F.pad(x, (padding, padding, padding, padding))
    out = torch.zeros(B, C_out, H_out, W_out, dtype=x.dtype, device=x.device)
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + dilation * (kH - 1) + 1, dilation)
            cols = slice(j * stride, j * stride + dilation * (kW - 1) + 1, dilation)
            window = xp[:, :, rows, cols]
            out[:, :, i, j] = (window[:, None] * weight[None]).sum(dim=(2, 3, 4))
    out = out * scale
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out
