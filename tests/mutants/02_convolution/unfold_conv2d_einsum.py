# replaces: unfold_conv2d
# must pass: einsum instead of @, and view(B, C_out, H_out, W_out) after a contiguous()
"""Correct: torch.einsum for the product, the output size taken from the unfold itself."""

import torch
import torch.nn.functional as F


def unfold_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    n, _, h, w = x.shape
    c_out, c_in, kh, kw = weight.shape
    cols = F.unfold(x, kernel_size=(kh, kw), dilation=dilation, padding=padding, stride=stride)
    h_out = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    w_out = cols.shape[-1] // h_out
    y = torch.einsum("ok,nkl->nol", weight.reshape(c_out, c_in * kh * kw), cols)
    if bias is not None:
        y = y + bias[:, None]
    return y.contiguous().view(n, c_out, h_out, w_out)
