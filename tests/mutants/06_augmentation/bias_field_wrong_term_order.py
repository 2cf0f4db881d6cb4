# replaces: bias_field
# feedback: follow the conventions
"""enumerates the terms with the z exponent outermost (the reverse of TorchIO's order)."""

import torch


def bias_field(shape, coefficients, order=3):
    dtype = coefficients.dtype if coefficients.is_floating_point() else torch.float64

    def coordinate(n):
        u = torch.arange(n, dtype=dtype) - (n - 1) / 2
        return u / u.abs().max() if n > 1 else u

    axes = torch.meshgrid(*[coordinate(n) for n in shape], indexing="ij")
    z, y, x = axes if len(shape) == 3 else (torch.zeros_like(axes[0]), *axes)
    log = torch.zeros(tuple(shape), dtype=dtype)
    k = 0
    for c in range(order + 1):
        for b in range(order + 1 - c):
            for a in range(order + 1 - c - b):
                log = log + coefficients[k] * x**a * y**b * z**c
                k += 1
    return log.exp()
