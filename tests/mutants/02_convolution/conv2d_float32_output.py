# replaces: conv2d
# feedback: create the output with the input's dtype
"""allocates the output in the default float32, so float64 inputs lose precision."""

import torch
import torch.nn.functional as F


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = weight.shape
    H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1
    W_out = (W + 2 * padding - dilation * (kW - 1) - 1) // stride + 1
    x = F.pad(x, (padding, padding, padding, padding))
    out = torch.zeros(B, C_out, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + dilation * (kH - 1) + 1, dilation)
            cols = slice(j * stride, j * stride + dilation * (kW - 1) + 1, dilation)
            window = x[:, :, rows, cols]
            out[:, :, i, j] = (window[:, None] * weight[None]).sum(dim=(2, 3, 4))
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out
