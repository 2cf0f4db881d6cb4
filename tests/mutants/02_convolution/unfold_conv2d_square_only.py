# replaces: unfold_conv2d
# feedback: compute the width from W and kW
"""assumes square outputs: H_out = W_out = sqrt(L), or the height's formula for both."""

import torch.nn.functional as F


def unfold_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = weight.shape
    side = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1
    columns = F.unfold(x, (kH, kW), dilation=dilation, padding=padding, stride=stride)
    out = weight.reshape(C_out, -1) @ columns
    if bias is not None:
        out = out + bias.view(1, -1, 1)
    return out.reshape(B, C_out, side, side)
