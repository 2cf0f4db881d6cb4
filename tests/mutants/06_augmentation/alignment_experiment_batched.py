# replaces: alignment_experiment
# must pass: the disagreements collected in a preallocated tensor, counted with sum / numel
"""Correct: same draws and functions, results written into a float64 tensor."""

import torch


def alignment_experiment(mask, spacing, max_displacement, seeds, num_control_points=5):
    n = num_control_points
    probe = (mask > 0).to(torch.float64).unsqueeze(0)
    out = torch.zeros(2, len(seeds), dtype=torch.float64)
    for i, seed in enumerate(seeds):
        g = torch.Generator().manual_seed(seed)
        grids = []
        for _ in range(2):
            cp = max_displacement * (2 * torch.rand(n, n, 2, generator=g, dtype=torch.float64) - 1)
            grids.append(elastic_grid(cp, spacing, tuple(mask.shape)))
        seen_probe, same = warp_pair(probe, mask, grids[0])
        other = warp_pair(probe, mask, grids[1])[1]
        seen = seen_probe[0] > 0.5
        out[0, i] = (seen ^ (same > 0)).sum() / seen.numel()
        out[1, i] = (seen ^ (other > 0)).sum() / seen.numel()
    return out[0], out[1]
