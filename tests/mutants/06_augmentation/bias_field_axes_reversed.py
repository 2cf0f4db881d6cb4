# replaces: bias_field
# feedback: your axes are reversed
"""takes x along the first tensor axis (TorchIO's (W, H, D) storage read as (D, H, W))."""

import torch


def bias_field(shape, coefficients, order=3):
    dtype = coefficients.dtype if coefficients.is_floating_point() else torch.float64

    def coordinate(n):
        u = torch.arange(n, dtype=dtype) - (n - 1) / 2
        return u / u.abs().max() if n > 1 else u

    axes = torch.meshgrid(*[coordinate(n) for n in shape], indexing="ij")
    if len(shape) == 3:
        x, y, z = axes
    else:
        x, y = axes
        z = torch.zeros_like(x)
    log = torch.zeros(tuple(shape), dtype=dtype)
    k = 0
    for a in range(order + 1):
        for b in range(order + 1 - a):
            for c in range(order + 1 - a - b):
                log = log + coefficients[k] * x**a * y**b * z**c
                k += 1
    return log.exp()
