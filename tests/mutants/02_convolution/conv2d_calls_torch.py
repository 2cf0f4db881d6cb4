# replaces: conv2d
# feedback: calls torch.conv2d
"""delegates to torch's fused convolution instead of looping."""

import torch.nn.functional as F


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return F.conv2d(x, weight, bias, stride, padding, dilation)
