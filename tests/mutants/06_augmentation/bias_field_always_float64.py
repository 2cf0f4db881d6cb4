# replaces: bias_field
# feedback: float32 coefficients should give a float32 field
"""computes and returns float64 whatever the coefficients' dtype."""

import torch


def bias_field(shape, coefficients, order=3):
    def coordinate(n):
        u = torch.arange(n, dtype=torch.float64) - (n - 1) / 2
        return u / u.abs().max() if n > 1 else u

    axes = torch.meshgrid(*[coordinate(n) for n in shape], indexing="ij")
    z, y, x = axes if len(shape) == 3 else (torch.zeros_like(axes[0]), *axes)
    log = torch.zeros(tuple(shape), dtype=torch.float64)
    k = 0
    for a in range(order + 1):
        for b in range(order + 1 - a):
            for c in range(order + 1 - a - b):
                log = log + coefficients[k].double() * x**a * y**b * z**c
                k += 1
    return log.exp()
