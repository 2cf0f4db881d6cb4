# replaces: unfold_conv2d
# feedback: the dilation is ignored
"""forgets to pass the dilation to unfold (and to the output size)."""

import torch.nn.functional as F


def unfold_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = weight.shape
    H_out = (H + 2 * padding - kH) // stride + 1
    W_out = (W + 2 * padding - kW) // stride + 1
    columns = F.unfold(x, (kH, kW), padding=padding, stride=stride)
    out = weight.reshape(C_out, -1) @ columns
    if bias is not None:
        out = out + bias.view(1, -1, 1)
    return out.reshape(B, C_out, H_out, W_out)
