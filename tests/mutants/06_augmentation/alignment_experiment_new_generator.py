# replaces: alignment_experiment
# feedback: the next torch.rand call on the same generator
"""the control re-seeds a fresh generator, so its 'second' draw repeats the first."""

import torch


def alignment_experiment(mask, spacing, max_displacement, seeds, num_control_points=5):
    n = num_control_points
    probe = (mask > 0).double()[None]
    joint, independent = [], []
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        cp = (torch.rand(n, n, 2, generator=g, dtype=torch.float64) * 2 - 1) * max_displacement
        warped_probe, warped_mask = warp_pair(probe, mask, elastic_grid(cp, spacing, mask.shape))
        seen = warped_probe[0] > 0.5
        joint.append((seen != (warped_mask > 0)).double().mean())
        g2 = torch.Generator().manual_seed(seed + 1)  # "another" draw, but a new generator
        cp2 = (torch.rand(n, n, 2, generator=g2, dtype=torch.float64) * 2 - 1) * max_displacement
        _, other = warp_pair(probe, mask, elastic_grid(cp2, spacing, mask.shape))
        independent.append((seen != (other > 0)).double().mean())
    return torch.stack(joint), torch.stack(independent)
