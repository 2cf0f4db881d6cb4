# replaces: bias_field
# feedback: shape (7, 5, 8), order 3
"""handles 2D images only: a 3D shape is treated as a stack of identical 2D fields."""

import torch


def bias_field(shape, coefficients, order=3):
    dtype = coefficients.dtype if coefficients.is_floating_point() else torch.float64

    def coordinate(n):
        u = torch.arange(n, dtype=dtype) - (n - 1) / 2
        return u / u.abs().max() if n > 1 else u

    y, x = torch.meshgrid(coordinate(shape[-2]), coordinate(shape[-1]), indexing="ij")
    log = torch.zeros_like(x)
    k = 0
    for a in range(order + 1):
        for b in range(order + 1 - a):
            for c in range(order + 1 - a - b):
                if c == 0:
                    log = log + coefficients[k] * x**a * y**b
                k += 1
    return log.exp().expand(tuple(shape)).clone()
