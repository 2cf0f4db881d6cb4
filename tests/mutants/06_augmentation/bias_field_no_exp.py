# replaces: bias_field
# feedback: the exponential of the polynomial
"""returns the polynomial itself, without the exponential (not positive, not multiplicative)."""

import torch


def bias_field(shape, coefficients, order=3):
    dtype = coefficients.dtype if coefficients.is_floating_point() else torch.float64

    def coordinate(n):
        u = torch.arange(n, dtype=dtype) - (n - 1) / 2
        return u / u.abs().max() if n > 1 else u

    axes = torch.meshgrid(*[coordinate(n) for n in shape], indexing="ij")
    z, y, x = axes if len(shape) == 3 else (torch.zeros_like(axes[0]), *axes)
    out = torch.zeros(tuple(shape), dtype=dtype)
    k = 0
    for a in range(order + 1):
        for b in range(order + 1 - a):
            for c in range(order + 1 - a - b):
                out = out + coefficients[k] * x**a * y**b * z**c
                k += 1
    return 1 + out
