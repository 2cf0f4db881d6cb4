# replaces: bias_field
# must pass: all terms at once, as a tensor of exponents and one product, in float64
"""Correct: the exponent triples as a tensor, the powers broadcast, one sum over the terms."""

import torch


def bias_field(shape, coefficients, order=3):
    dtype = coefficients.dtype if coefficients.is_floating_point() else torch.float64
    exps = torch.tensor([(a, b, c) for a in range(order + 1) for b in range(order + 1 - a)
                         for c in range(order + 1 - a - b)], dtype=torch.float64)
    coords = []
    for n in shape:
        centred = torch.arange(n, dtype=torch.float64) - (n - 1) / 2
        coords.append(centred / centred.abs().max() if n > 1 else centred)
    grids = torch.meshgrid(*coords, indexing="ij")
    if len(shape) == 2:
        grids = (torch.zeros_like(grids[0]), *grids)
    xyz = torch.stack([grids[2], grids[1], grids[0]], dim=-1)  # (..., 3): x, y, z
    terms = (xyz[..., None, :] ** exps).prod(dim=-1)  # (..., K); 0 ** 0 = 1
    log = (terms * coefficients.to(torch.float64)).sum(dim=-1)
    return log.exp().to(dtype)
