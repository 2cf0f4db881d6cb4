# replaces: alignment_experiment
# feedback: must be warped with the same draw
"""the bug itself: a new random draw for the mask in the 'joint' condition."""

import torch


def alignment_experiment(mask, spacing, max_displacement, seeds, num_control_points=5):
    n = num_control_points
    probe = (mask > 0).double()[None]
    joint, independent = [], []
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)

        def draw():
            return (torch.rand(n, n, 2, generator=g, dtype=torch.float64) * 2 - 1) * max_displacement

        warped_probe, _ = warp_pair(probe, mask, elastic_grid(draw(), spacing, mask.shape))
        _, warped_mask = warp_pair(probe, mask, elastic_grid(draw(), spacing, mask.shape))
        seen = warped_probe[0] > 0.5
        joint.append((seen != (warped_mask > 0)).double().mean())
        _, other = warp_pair(probe, mask, elastic_grid(draw(), spacing, mask.shape))
        independent.append((seen != (other > 0)).double().mean())
    return torch.stack(joint), torch.stack(independent)
