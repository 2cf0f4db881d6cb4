# replaces: unfold_conv2d
# must pass: columns transposed to (B, L, K) and the output permuted back to channels first
"""Correct: (B, L, K) @ (K, C_out), reshaped to (B, H_out, W_out, C_out) and permuted."""

import torch
import torch.nn.functional as F


def unfold_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C_in, H, W = x.shape
    C_out, _, kH, kW = weight.shape
    H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1
    W_out = (W + 2 * padding - dilation * (kW - 1) - 1) // stride + 1
    patches = F.unfold(x, (kH, kW), dilation=dilation, padding=padding, stride=stride)
    rows = patches.transpose(1, 2) @ weight.reshape(C_out, -1).T  # (B, L, C_out)
    if bias is not None:
        rows = rows + bias
    return rows.reshape(B, H_out, W_out, C_out).permute(0, 3, 1, 2)
