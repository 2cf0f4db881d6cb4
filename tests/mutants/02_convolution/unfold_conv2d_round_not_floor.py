# replaces: unfold_conv2d
# feedback: needs floor (use //), not round()
"""Python's round() (banker's rounding) where the output size needs floor."""

import torch.nn.functional as F


def unfold_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = weight.shape
    H_out = round((H + 2 * padding - dilation * (kH - 1) - 1) / stride) + 1
    W_out = round((W + 2 * padding - dilation * (kW - 1) - 1) / stride) + 1
    columns = F.unfold(x, (kH, kW), dilation=dilation, padding=padding, stride=stride)
    out = weight.reshape(C_out, -1) @ columns
    if bias is not None:
        out = out + bias.view(1, -1, 1)
    return out.reshape(B, C_out, H_out, W_out)
