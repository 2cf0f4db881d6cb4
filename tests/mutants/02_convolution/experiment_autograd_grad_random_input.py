# replaces: experiment
# must pass: torch.autograd.grad on a positive random input, argwhere for the extent
"""Correct: autograd.grad instead of backward, and the bounding box from argwhere."""

import torch


def measure_receptive_field(net, input_shape=(1, 1, 64, 64), dtype=torch.float32):
    x = torch.rand(input_shape, dtype=dtype) + 0.5
    x.requires_grad_(True)
    y = net(x)
    unit = y[0, :, y.shape[-2] // 2, y.shape[-1] // 2].sum()
    (grad,) = torch.autograd.grad(unit, x)
    where = torch.argwhere(grad[0].abs().sum(dim=0) > 0)  # (n, 2): (row, col)
    extent = where.max(dim=0).values - where.min(dim=0).values + 1
    return int(extent[0]), int(extent[1])


def receptive_field_growth(depths=(1, 2, 3, 4), kernel_size=3):
    ones = torch.ones(1, 1, kernel_size, kernel_size)
    quarter = torch.full((1, 1, 2, 2), 0.25)
    stack, down = [], []
    for depth in depths:
        side = 4 * (kernel_size + 1) * 2**depth

        def plain(x, depth=depth):
            for _ in range(depth):
                x = unfold_conv2d(x, ones, padding=kernel_size // 2)
            return x

        def pooled(x, depth=depth):
            for _ in range(depth):
                x = unfold_conv2d(unfold_conv2d(x, ones, padding=kernel_size // 2), quarter, stride=2)
            return x

        stack.append(measure_receptive_field(plain, (1, 1, side, side))[0])
        down.append(measure_receptive_field(pooled, (1, 1, side, side))[0])
    return {"depth": list(depths), "stack": stack, "downsample": down}
