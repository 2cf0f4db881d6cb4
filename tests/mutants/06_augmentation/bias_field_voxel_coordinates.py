# replaces: bias_field
# feedback: scale each axis to [-1, 1]
"""uses voxel offsets from the centre as coordinates, not normalised to [-1, 1]."""

import torch


def bias_field(shape, coefficients, order=3):
    dtype = coefficients.dtype if coefficients.is_floating_point() else torch.float64
    axes = torch.meshgrid(
        *[torch.arange(n, dtype=dtype) - (n - 1) / 2 for n in shape], indexing="ij"
    )
    z, y, x = axes if len(shape) == 3 else (torch.zeros_like(axes[0]), *axes)
    log = torch.zeros(tuple(shape), dtype=dtype)
    k = 0
    for a in range(order + 1):
        for b in range(order + 1 - a):
            for c in range(order + 1 - a - b):
                log = log + coefficients[k] * x**a * y**b * z**c
                k += 1
    return log.exp()
