# replaces: conv2d
# feedback: your answer uses
"""delegates to torch's fused convolution instead of looping."""

import torch.nn.functional as F


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return F.conv2d(x, weight, bias, stride, padding, dilation)
